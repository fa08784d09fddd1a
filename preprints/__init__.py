"""preprints package."""

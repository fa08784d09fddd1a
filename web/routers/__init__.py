"""One router per resource: preprints, search, figures, labs."""

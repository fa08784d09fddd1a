"""Modules copied into sandboxes (pure standard library): ``rxlab_llm`` reaches the model proxy."""

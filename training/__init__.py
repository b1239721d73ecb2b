"""Training and evaluation commands for the project's own models (not imported at run time)."""

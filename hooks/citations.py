"""citations hook: placeholder, filled in by its issue."""

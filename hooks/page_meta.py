"""page_meta hook: placeholder, filled in by its issue."""

"""evidence_table hook: placeholder, filled in by its issue."""

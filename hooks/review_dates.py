"""review_dates hook: placeholder, filled in by its issue."""

"""Bulk refresh as a job (docs/drafts.md, "Bulk refresh"): creating one, running it, reading it."""

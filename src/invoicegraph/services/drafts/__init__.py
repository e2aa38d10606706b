"""Working on drafts: line edits (docs/drafts.md)."""

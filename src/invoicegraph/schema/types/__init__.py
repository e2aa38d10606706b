"""GraphQL object types, one module per domain (the split follows docs/rest.md)."""

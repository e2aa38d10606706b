"""GraphQL object types, one module per domain (the split follows field-mapping.md)."""

"""The refresh: one service function behind the GraphQL mutation, the preview and the REST route."""

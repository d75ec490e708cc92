"""Shared building blocks with no domain in them: actors, database types, schema fields, paging, text."""

"""Curation: what of the shared catalogue waits for a curator's review."""

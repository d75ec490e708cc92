"""Ingredients: the catalogue of solution components, with their coded lists and sources."""

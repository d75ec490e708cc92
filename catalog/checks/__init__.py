"""Checking a cocktail against a patient before use, and the record of each check and override."""

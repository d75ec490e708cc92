"""Conditions: the coded patient conditions an ingredient can be contraindicated in."""

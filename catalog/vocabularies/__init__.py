"""Coded lists the catalogue is described with: categories, purposes, sources, conditions."""

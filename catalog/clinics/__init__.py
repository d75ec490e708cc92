"""Clinics, practitioners, API tokens and how each request proves who it is."""

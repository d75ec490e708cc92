"""A clinic's patients, their conditions and their allergy records."""

"""Allergens: coded substances and the groups they belong to, as a hierarchy."""

"""Treatment sessions: a checked cocktail version given to a patient, with the lots drawn, and recalls."""

"""A clinic's cocktails: compositions of catalogue ingredients, versioned immutably."""

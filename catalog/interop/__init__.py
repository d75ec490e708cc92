"""FHIR R4 and CDS Hooks: translation at the edge, calling the domains' services."""

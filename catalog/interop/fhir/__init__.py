"""FHIR R4 under /fhir/R4: Patient, AllergyIntolerance, Medication and DetectedIssue, read, searched, imported."""

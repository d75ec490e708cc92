"""The append-only record of who changed what in a clinic's data or the shared catalogue."""

"""Caseload: which therapist cares for which patient, and the loaders that enforce it."""

"""Screening: questionnaires, scoring and stepped-care routing."""

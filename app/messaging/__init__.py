"""Secure messaging between a patient and their therapist."""

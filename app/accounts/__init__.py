"""Accounts: registration, login with MFA for clinicians, sessions, and user administration."""

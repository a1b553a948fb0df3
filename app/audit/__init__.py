"""Audit: one append-only, hash-chained row for every read or write of patient data."""

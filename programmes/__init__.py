"""Therapy programmes: content loading and checking."""

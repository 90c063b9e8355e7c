"""Fixtures for the embedded sandbox instance (filled in by the sandbox work)."""

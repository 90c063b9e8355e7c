"""Fixtures for the test OpenID provider (filled in by the provider work)."""

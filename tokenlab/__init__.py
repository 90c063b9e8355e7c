"""tokenlab: get, inspect and troubleshoot access tokens from a platform instance's identity service."""

__version__ = "0.1.0"

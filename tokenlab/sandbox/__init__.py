"""An embedded sandbox platform instance: identity services, Domain API and demo registrations.

An independent peer of the client: it imports nothing from the rest of tokenlab.
"""

from .config import Clock, Settings
from .registrations import (
    DEMO_REFERENCE_TOKEN,
    DEMO_REVOKED_REFERENCE_TOKEN,
    DEMO_SECRETS,
    DEMO_USER,
    DemoProfile,
    ReferenceToken,
    TrustedApplication,
    User,
    demo_catalog,
    hash_secret,
)
from .sandbox import Sandbox, banner, serve_forever

__all__ = [
    "DEMO_REFERENCE_TOKEN",
    "DEMO_REVOKED_REFERENCE_TOKEN",
    "DEMO_SECRETS",
    "DEMO_USER",
    "Clock",
    "DemoProfile",
    "ReferenceToken",
    "Sandbox",
    "Settings",
    "TrustedApplication",
    "User",
    "banner",
    "demo_catalog",
    "hash_secret",
    "serve_forever",
]

"""The Trusted Application from both sides: what to configure (`card`), what is configured
(`registration`, read from the instance's Domain API with an administrator's token), and the two
side by side (`compare`)."""

from tokenlab.core.trusted_app.card import TrustedAppCard, build_card, secret_hash
from tokenlab.core.trusted_app.compare import AppCheck, Comparison, compare
from tokenlab.core.trusted_app.registration import (
    DEFAULT_ENTITY,
    Registration,
    RegistrationError,
)

__all__ = [
    "DEFAULT_ENTITY",
    "AppCheck",
    "Comparison",
    "Registration",
    "RegistrationError",
    "TrustedAppCard",
    "build_card",
    "compare",
    "secret_hash",
]

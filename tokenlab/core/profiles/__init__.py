"""Named instance profiles: the model, its validation, TOML both ways, and the store.

A profile never holds a secret (those live in the keyring, see `secrets.py`); the only
exception is a sandbox profile's *public* demo values, which are published by design.
Hand-edited files are welcome: errors name the file, the line and the field, and tokenlab never
overwrites a file it could not read.
"""

from typing import TYPE_CHECKING, Any

from tokenlab.core.profiles.model import (
    ASSERTION_AUDIENCES,
    AUTH_METHODS,
    DEFAULT_AUTH_METHOD,
    DEFAULT_SCOPES,
    FIELD_BY_PATH,
    FIELDS,
    SCENARIOS,
    SCHEMA_VERSION,
    AuthMethod,
    ProbeRequest,
    Profile,
    ProfileField,
    Scenario,
    TlsOptions,
    new_profile,
)
from tokenlab.core.profiles.store import ProfileStore
from tokenlab.core.profiles.summary import profile_summary
from tokenlab.core.profiles.toml_io import from_toml, to_toml
from tokenlab.core.profiles.validation import METHODS, check_name, validate

if TYPE_CHECKING:
    from tokenlab.core.profiles.risks import ProfileRisk, profile_risks


def __getattr__(name: str) -> Any:
    """The risk checks load on first use: only an import or a review of a profile needs them,
    not every run that loads one."""
    if name in ("ProfileRisk", "profile_risks"):
        from tokenlab.core.profiles import risks

        return getattr(risks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ASSERTION_AUDIENCES",
    "AUTH_METHODS",
    "DEFAULT_AUTH_METHOD",
    "DEFAULT_SCOPES",
    "FIELDS",
    "FIELD_BY_PATH",
    "METHODS",
    "SCENARIOS",
    "SCHEMA_VERSION",
    "AuthMethod",
    "ProbeRequest",
    "Profile",
    "ProfileField",
    "ProfileRisk",
    "ProfileStore",
    "Scenario",
    "TlsOptions",
    "check_name",
    "from_toml",
    "new_profile",
    "profile_risks",
    "profile_summary",
    "to_toml",
    "validate",
]

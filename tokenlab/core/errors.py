"""The one exception family: a short message, a hint in plain words, and a structured remedy.

The core never names a CLI flag or a console key: a `Remedy` says *what* to do (a kind plus its
data); the CLI renders it as flags (`tokenlab.commands.remedies`), the console as keys and forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Exit codes shared by every headless command.
EXIT_OK = 0
EXIT_FAILURE = 1  # a diagnosed failure: the tool worked, the thing it checked did not
EXIT_USAGE = 2  # bad usage or bad input


class RemedyKind(StrEnum):
    """What the user can do next, independent of the face that shows it. Data keys in comments."""

    FINISH_SIGN_IN_ANOTHER_WAY = "finish-sign-in-another-way"  # ways: ("paste", "device")
    SIGN_IN_FIRST = "sign-in-first"  # profile
    STORE_SECRET = "store-secret"  # profile, kind, env (the variable that also works)
    GIVE_SECRET_FOR_RUN = "give-secret-for-run"  # env (the variables), kind: no keyring to store in
    REMOVE_SECRET = "remove-secret"  # profile, kind
    SET_PROFILE_FIELD = "set-profile-field"  # profile, field, example
    GIVE_EXPECTATION = "give-expectation"  # what: issuer | audience | scopes | client_id
    VERIFY_WITH_AUTHORITY = "verify-with-authority"  # (none)
    PROBE_THE_API = "probe-the-api"  # profile
    REQUEST_SCOPES = "request-scopes"  # scopes, profile
    FIX_AUTHORITY = "fix-authority"  # url (the authority to use), profile (when it is set there)
    ALLOW_INSECURE = "allow-insecure"  # url, profile (when it is set there)
    ALLOW_GLOBAL_AUTHORITY = "allow-global-authority"  # (none): see the API's 401 anyway
    TRUST_CA = "trust-ca"  # (none): give a CA bundle or use the OS trust store
    WAIT_LONGER = "wait-longer"  # seconds (what was waited)
    RAISE_TIMEOUT = "raise-timeout"  # seconds (the current timeout)
    CHOOSE_ANOTHER_NAME = "choose-another-name"  # name (the one taken), action: create | import
    CREATE_PROFILE = "create-profile"  # (none): there is no profile yet
    GET_NEW_TOKEN = "get-new-token"  # profile
    FIX_TRUSTED_APPLICATION = "fix-trusted-application"  # client_id, setting, value
    FIX_CLOCK = "fix-clock"  # clock (this-machine | authority | api), offset_s
    FIX_REQUEST = "fix-request"  # what (path | method | header | api-url | request)
    ASK_ADMINISTRATORS = "ask-administrators"  # about (what only the instance's admins can see)
    START_SANDBOX = "start-sandbox"  # port (where the demo profiles expect it), profile
    NAME_REGISTRATION_ENTITY = "name-registration-entity"  # entity (the name that was tried)


# FIX_CLOCK's `clock`, in words any face can show.
CLOCK_WORDS = {
    "this-machine": "this machine's clock",
    "authority": "the identity service's clock",
    "api": "the API server's clock",
}


@dataclass(frozen=True)
class Remedy:
    """A next step as data: `kind` plus what it needs (strings, or tuples of strings)."""

    kind: RemedyKind
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    def get(self, key: str, default: Any = "") -> Any:
        return self.data.get(key, default)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in self.data.items()},
        }


def remedy(kind: RemedyKind, /, **data: Any) -> Remedy:
    """`kind` is positional only, so data may carry a key named kind (a secret's kind)."""
    return Remedy(kind, dict(data))


class TokenlabError(Exception):
    """Base of every error tokenlab shows to a user. Never carries a secret.

    `hint` is plain words for any face (no flag, no key); `remedy`, when there is one, is the
    step the face renders as its own controls."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str = "", remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(TokenlabError):
    """The user asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, hint: str = "", field: str = "", remedy: Remedy | None = None
    ) -> None:
        super().__init__(message, hint, remedy)
        self.field = field  # the profile field at fault, when there is one


class InvalidUrlError(UsageError):
    """A URL given by the user is not usable."""


class ProfileError(UsageError):
    """A profile is missing, invalid or cannot be saved."""


class ProfileNotFoundError(ProfileError):
    pass


class ProfileExistsError(ProfileError):
    pass


class ConfigFileError(ProfileError):
    """A file on disk is malformed: names the file, the line and the field."""

    def __init__(
        self,
        path: str,
        message: str,
        hint: str = "",
        line: int | None = None,
        field: str = "",
        remedy: Remedy | None = None,
    ) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(what, hint, field, remedy)
        self.path = path
        self.line = line


class SecretStoreError(TokenlabError):
    """The secret store cannot do what was asked (no keyring, locked, failing)."""


class SecretMissingError(TokenlabError):
    """A flow needs a secret that no source provides."""

    exit_code = EXIT_USAGE


class TransportError(TokenlabError):
    """The HTTP request did not get an answer."""


class ServerUnreachableError(TransportError):
    """Connection refused or reset: nothing answers at that address."""


class DnsError(TransportError):
    pass


class TlsVerificationError(TransportError):
    pass


class RequestTimeoutError(TransportError):
    pass


class ResponseTooLargeError(TransportError):
    pass

"""The one exception family: a short message plus a hint that says what to do next."""

from __future__ import annotations

# Exit codes shared by every headless command.
EXIT_OK = 0
EXIT_FAILURE = 1  # a diagnosed failure: the tool worked, the thing it checked did not
EXIT_USAGE = 2  # bad usage or bad input


class TokenlabError(Exception):
    """Base of every error tokenlab shows to a user. Never carries a secret."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(TokenlabError):
    """The user asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str = "", field: str = "") -> None:
        super().__init__(message, hint)
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
        self, path: str, message: str, hint: str = "", line: int | None = None, field: str = ""
    ) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(what, hint, field)
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

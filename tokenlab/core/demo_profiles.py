"""Demo profiles outlive their sandbox: say so when one meets a closed port.

`tokenlab demo` runs the sandbox for one console session; a demo profile saved for later (or
written for a `tokenlab sandbox` in another terminal) points at a port on this machine where
nothing may listen any more. "Connection refused ... is the URL right" would send the user
to check a URL that is right; the step is to start the sandbox again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tokenlab.core.errors import (
    RemedyKind,
    ServerUnreachableError,
    TokenlabError,
    remedy,
)
from tokenlab.core.profiles.model import Profile


def sandbox_port(profile: Profile) -> int | None:
    """The port of the demo sandbox a demo profile expects; None for any other profile."""
    if not profile.demo_sandbox:
        return None
    try:
        return urlsplit(profile.instance).port
    except ValueError:
        return None


def sandbox_gone(profile: Profile, exc: TokenlabError) -> TokenlabError:
    """`exc`, or, for a demo profile whose sandbox refused the connection, why and what to do."""
    port = sandbox_port(profile)
    if port is None or not isinstance(exc, ServerUnreachableError):
        return exc
    if "refused" not in exc.message or f":{port}" not in exc.message:
        return exc  # not the sandbox's port (a demo API case may point elsewhere on purpose)
    return ServerUnreachableError(
        f"the demo sandbox on port {port} is not running ({exc.message})",
        f"{profile.name} is a demo profile: it works only while a sandbox listens on port {port}",
        remedy=remedy(RemedyKind.START_SANDBOX, port=str(port), profile=profile.name),
    )

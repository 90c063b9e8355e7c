"""Reference tokens (`enrt_...`): what one looks like and the one header that carries it.

Below the flows: inspection, probing and the automation flow all use these.
"""

from __future__ import annotations

import base64
from typing import Literal

from tokenlab.core.authority import Finding
from tokenlab.core.errors import UsageError
from tokenlab.core.json_text import JsonTextError, loads

PREFIX = "enrt_"
TOKEN_TYPE = "reference"

ReferenceHeader = Literal["authorization", "x-api-key"]


def looks_like_jwt(value: str) -> bool:
    """Three dot-separated parts whose first decodes to a JSON header with `alg`."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[0]:
        return False
    try:
        header = loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, JsonTextError):
        return False
    return isinstance(header, dict) and "alg" in header


def check_reference_token(value: str) -> list[Finding]:
    """Why this value is probably not a reference token (warnings only: the API decides)."""
    if looks_like_jwt(value):
        return [
            Finding(
                "warning",
                "the reference token is a JWT: that is an access token, not a reference token",
                "a JWT expires (about 1 h) and comes from an OAuth flow; create a reference token "
                "(enrt_...) in the instance for automation, or use the flow that issued this one",
            )
        ]
    if not value.startswith(PREFIX):
        return [
            Finding(
                "warning",
                f"the reference token does not start with {PREFIX!r}",
                "platform reference tokens look like enrt_...; check that the right value was stored",
            )
        ]
    return []


def reference_token_headers(
    token: str, header: ReferenceHeader | str = "authorization"
) -> dict[str, str]:
    """The one header that carries a reference token to the API."""
    kind = header.lower()
    if kind == "authorization":
        return {"Authorization": f"Bearer {token}"}
    if kind == "x-api-key":
        return {"X-Api-Key": token}
    raise UsageError(
        f"unknown reference token header {header!r}", "use 'authorization' or 'x-api-key'"
    )

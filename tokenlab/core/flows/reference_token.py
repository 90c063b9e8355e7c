"""The automation scenario: a reference token (`enrt_...`), no OAuth request at all.

A reference token is opaque: the instance looks it up on every call, so it has no expiry we can
read and nothing to decode. It is sent in exactly one header, `Authorization: Bearer` or
`X-Api-Key`.
"""

from __future__ import annotations

import base64
import json
from typing import Literal

from tokenlab.core.authority import Finding
from tokenlab.core.errors import SecretMissingError, UsageError
from tokenlab.core.flows.base import FlowContext, FlowResult, TokenSet
from tokenlab.core.secrets import ENV_VARS, SecretKind

FLOW = "reference-token"
PREFIX = "enrt_"
TOKEN_TYPE = "reference"

ReferenceHeader = Literal["authorization", "x-api-key"]

_SOURCES = {
    "memory": "given for this run",
    "keyring": "the OS keyring",
    "environment": f"the environment ({ENV_VARS[SecretKind.REFERENCE_TOKEN]})",
    "public-demo-value": "the sandbox's published demo value",
}


def looks_like_jwt(value: str) -> bool:
    """Three dot-separated parts whose first decodes to a JSON header with `alg`."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[0]:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError):
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


def reference_token(ctx: FlowContext) -> tuple[str, str]:
    """(the token, where it came from); a `SecretMissingError` with every way to give one."""
    p = ctx.profile
    value, where = ctx.secrets.lookup(p.name, SecretKind.REFERENCE_TOKEN, p.public_reference_token)
    if value is not None:
        value = value.strip()  # a pasted or exported value often ends with a newline
    if not value:
        env_name = ENV_VARS[SecretKind.REFERENCE_TOKEN]
        raise SecretMissingError(
            f"profile {p.name!r} has no reference token",
            f"store one with `tokenlab secret set {p.name} --kind reference-token`, set {env_name}, "
            "or pass --secret-stdin; create it in the instance (a personal or service reference "
            "token, enrt_...)",
        )
    ctx.secrets.redactor.add_known(value)
    return value, _SOURCES.get(where.source, where.source)


async def run_reference_token(ctx: FlowContext) -> FlowResult:
    value, source = reference_token(ctx)
    for finding in check_reference_token(value):
        ctx.warn(finding)
    token = TokenSet(
        access_token=value,
        token_type=TOKEN_TYPE,
        expires_in=None,  # opaque: only the instance knows
        scope=(),
        flow=FLOW,
    )
    return ctx.result(
        FLOW,
        token,
        notes=(
            f"reference token from {source}; no OAuth request was made",
            "send it as `Authorization: Bearer enrt_...` or `X-Api-Key: enrt_...`, never both",
        ),
    )


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

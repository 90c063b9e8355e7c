"""The automation scenario: a reference token (`enrt_...`), no OAuth request at all.

A reference token is opaque: the instance looks it up on every call, so it has no expiry we can
read and nothing to decode. It is sent in exactly one header, `Authorization: Bearer` or
`X-Api-Key`.
"""

from __future__ import annotations

from tokenlab.core.flows.base import FlowContext
from tokenlab.core.reference_tokens import TOKEN_TYPE, check_reference_token
from tokenlab.core.secrets import ENV_VARS, SecretKind
from tokenlab.core.token_set import FlowResult, TokenSet

FLOW = "reference-token"

_SOURCES = {
    "memory": "given for this run",
    "keyring": "the OS keyring",
    "environment": f"the environment ({ENV_VARS[SecretKind.REFERENCE_TOKEN]})",
    "public-demo-value": "the sandbox's published demo value",
}


def reference_token(ctx: FlowContext) -> tuple[str, str]:
    """(the token, where it came from); a `SecretMissingError` with every way to give one."""
    p = ctx.profile
    value, where = ctx.secrets.lookup(p.name, SecretKind.REFERENCE_TOKEN, p.public_reference_token)
    if value is not None:
        value = value.strip()  # a pasted or exported value often ends with a newline
    if not value:
        raise ctx.secrets.missing(
            p.name,
            SecretKind.REFERENCE_TOKEN,
            what="reference token",
            more="; create one in the instance first (a personal or service reference token, "
            "enrt_...)",
        )
    ctx.secrets.redactor.add_known(value)
    return value, _SOURCES.get(where.source, where.source)


async def run_reference_token(ctx: FlowContext) -> FlowResult:
    value, source = reference_token(ctx)
    for finding in check_reference_token(value):
        ctx.warn(finding, topic="token")
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

"""`verify_token`: `check_token` plus the signature, with keys only from the expected authority.

The ONE key lookup of tokenlab: `signature_from_authority` asks `AuthorityCache.find_key`, whose
rule is that an unknown kid refetches the JWKS once, never more. The JWKS location comes from
the expected authority's discovery, never from the token (`iss`, `jku`, `x5u`): a forged token
must not choose the key that checks it. The access-token check and the id_token check both go
through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tokenlab.core.authority_kind import DEFAULT_GLOBAL_AUTHORITIES
from tokenlab.core.inspection.checks import Check, Expectation
from tokenlab.core.inspection.decode import DecodedToken
from tokenlab.core.inspection.signature import known_kids, signature_check
from tokenlab.core.inspection.token_report import DEFAULT_LEEWAY_S, TokenReport, check_token

if TYPE_CHECKING:  # annotations only: offline decoding must not load httpx
    import httpx

    from tokenlab.core.authority import AuthorityCache, Discovery


async def signature_from_authority(
    decoded: DecodedToken, *, client: httpx.AsyncClient, cache: AuthorityCache, discovery: Discovery
) -> Check:
    """The signature check with the authority's key for the token's kid."""
    alg = decoded.alg
    if not alg or alg.lower() == "none":
        return signature_check(decoded, None, "")  # nothing to look up for an unsigned token
    kid = decoded.header.get("kid")
    if kid is not None and not isinstance(kid, str):
        return Check("signature", "fail", str(kid), "a kid string", "the kid is not a string")
    key, jwks = await cache.find_key(client, discovery, kid)
    return signature_check(decoded, key, known_kids(jwks))


async def verify_token(
    decoded: DecodedToken,
    *,
    client: httpx.AsyncClient,
    cache: AuthorityCache,
    expected_issuer: str,
    audience: str | None = None,
    required_scopes: Sequence[str] = (),
    client_id: str | None = None,
    token_kind: Expectation = "access",
    leeway: float = DEFAULT_LEEWAY_S,
    clock_skew: float | None = None,
    now: float | None = None,
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES,
) -> TokenReport:
    """`check_token` plus the signature, with keys only from `expected_issuer`'s JWKS.

    `clock_skew` None: the skew measured from the `Date` of that discovery answer.
    """
    signature: Check | None = None
    if decoded.kind == "jwt":
        discovery = await cache.discovery(client, expected_issuer)
        signature = await signature_from_authority(
            decoded, client=client, cache=cache, discovery=discovery
        )
    if clock_skew is None:
        clock_skew = cache.last_skew.get(expected_issuer) or 0.0
    return check_token(
        decoded,
        expected_issuer=expected_issuer,
        audience=audience,
        required_scopes=required_scopes,
        client_id=client_id,
        token_kind=token_kind,
        leeway=leeway,
        clock_skew=clock_skew,
        now=now,
        signature=signature,
        global_authorities=global_authorities,
    )

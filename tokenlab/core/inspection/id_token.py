"""Validation of an OpenID Connect id_token (OIDC Core 3.1.3.7, 3.3.2.11): a thin layer over the
access-token checks.

The same decoding, the same algorithm check (unsigned and HMAC tokens are refused before any
key is looked up: a client that accepts them accepts tokens anyone can forge), the same key
lookup and signature check (`verify.signature_from_authority`), the same claim checks (issuer,
times, audience = the client). Only what is an id_token's own is here: `exp` and `iat` are
required, a future `iat` is refused, and `azp`, `nonce`, `c_hash` and `at_hash` are checked.

Messages never carry the token, the code, the nonce or an access token, only claim names and
public values (issuer, audience, times).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.checks import Check, algorithm_check
from tokenlab.core.inspection.decode import DecodedToken, TokenFormatError, decode_token
from tokenlab.core.inspection.token_report import TokenReport, check_token
from tokenlab.core.inspection.verify import signature_from_authority

if TYPE_CHECKING:
    import httpx

    from tokenlab.core.authority import AuthorityCache, Discovery

# at_hash / c_hash use the hash of the signing algorithm (OIDC Core 3.1.3.6, 3.3.2.11).
_HALF_HASH = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}

# What a refused check means for an id_token, and the hint when the check's own reason (written
# for an access token sent to an API) would mislead; None: the check's reason is the hint.
_REFUSAL: dict[str, tuple[str, str | None]] = {
    "format": ("the id_token is not a JWT tokenlab can accept", None),
    "algorithm": (
        "the id_token uses the algorithm {observed!r}, which tokenlab never accepts",
        None,
    ),
    "signature": (
        "the id_token's signature does not verify with the identity service's key {kid!r}",
        None,
    ),
    "issuer": (
        "the id_token's issuer {observed!r} is not the authority's issuer {expected!r}",
        None,
    ),
    "expiry": (
        "the id_token expired at {observed}",
        "sign in again; if it keeps happening, compare this machine's clock with the server's",
    ),
    "not_before": ("the id_token is not valid yet (nbf {observed})", None),
    "issued_at": (
        "the id_token was issued in the future (iat {observed})",
        "this machine's clock is behind the server's: sync it (NTP)",
    ),
    "audience": (
        "the id_token is for {observed!r}, not for the client {expected!r}",
        "the token was issued to another Trusted Application; check the profile's client id",
    ),
    "type": ("the id_token is marked as an access token (typ {observed})", None),
}
_FORGERY_CHECKS = ("format", "algorithm", "signature")  # said first: nothing else is trusted
_CLAIM_CHECKS = ("issuer", "expiry", "not_before", "issued_at", "audience", "type")


class IdTokenError(TokenlabError):
    """The id_token is not acceptable: forged, for someone else, replayed or out of date."""


def half_hash(value: str, algorithm: str = "RS256") -> str:
    """`at_hash` / `c_hash`: the left half of the hash of the ASCII value, base64url."""
    digest_fn = hashlib.sha512 if algorithm == "EdDSA" else _HALF_HASH.get(algorithm[-3:])
    if digest_fn is None:
        raise IdTokenError(
            f"cannot compute a hash claim for the algorithm {algorithm}",
            "the identity service signs with an algorithm tokenlab does not know",
        )
    digest = digest_fn(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _decoded(id_token: str) -> DecodedToken:
    try:
        decoded = decode_token(id_token)
    except TokenFormatError as exc:
        raise IdTokenError(
            "the id_token is not a JWT",
            f"the identity service sent something that is not a token ({exc.message})",
        ) from None
    if decoded.kind != "jwt":
        raise IdTokenError(
            "the id_token is not a signed JWT",
            "the identity service sent an encrypted or opaque token; tokenlab reads only signed "
            "id_tokens",
        )
    return decoded


def _refused(check: Check) -> bool:
    # APIs let a future iat pass with a warning; an id_token issued in the future is refused
    # (OIDC Core 3.1.3.7 (10)), as it always was here. An issuer or audience that could not be
    # compared (discovery named no issuer, the profile no client) is never taken as a match.
    if check.status == "skip":
        return check.name in ("issuer", "audience")
    return check.status == "fail" or (check.name == "issued_at" and check.status == "warn")


def _raise_if_refused(check: Check, decoded: DecodedToken) -> None:
    if not _refused(check):
        return
    template, hint = _REFUSAL.get(check.name, ("the id_token fails the {name} check", None))
    message = template.format(
        name=check.name,
        observed=check.observed,
        expected=check.expected,
        kid=decoded.header.get("kid"),
    )
    raise IdTokenError(message, hint or check.reason, check.remedy)


def _refuse_first(report: TokenReport, names: tuple[str, ...]) -> None:
    for check in report.checks:
        if check.name in names:
            _raise_if_refused(check, report.token)


def _require_times(claims: Mapping[str, Any]) -> None:
    for name in ("exp", "iat"):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise IdTokenError(
                f"the id_token has no usable {name!r} claim",
                "an id_token must say when it was issued and when it expires",
            )


def _check_azp(claims: Mapping[str, Any], client_id: str) -> None:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise IdTokenError(
            f"the id_token's authorized party (azp) is {azp!r}, not {client_id!r}",
            "a token with several audiences must name this client as azp (OIDC Core 3.1.3.7)",
        )


def _check_nonce(claims: Mapping[str, Any], nonce: str | None) -> None:
    if nonce is not None and claims.get("nonce") != nonce:
        what = "has no nonce" if "nonce" not in claims else "has another nonce"
        raise IdTokenError(
            f"the id_token {what} than the one this sign-in sent",
            "it belongs to another sign-in (a replay or a mix-up); sign in again",
        )


def _check_hash(claims: Mapping[str, Any], name: str, value: str | None, alg: str) -> None:
    expected = claims.get(name)
    if value is None or expected is None:
        return
    if expected != half_hash(value, alg):
        what = "authorization code" if name == "c_hash" else "access token"
        raise IdTokenError(
            f"the id_token's {name} does not match the {what} it came with",
            f"the {what} was swapped or altered on the way; do not use it",
        )


async def validate_id_token(
    id_token: str,
    *,
    discovery: Discovery,
    client: httpx.AsyncClient,
    cache: AuthorityCache,
    client_id: str,
    nonce: str | None,
    access_token: str | None = None,
    code: str | None = None,
    require_c_hash: bool = False,
    leeway: float = 60,
    now: float | None = None,
) -> dict[str, Any]:
    """The id_token's claims once its signature and claims check out; else an `IdTokenError`.

    `nonce=None` skips the nonce check (a refreshed id_token need not carry one). `at_hash` and
    `c_hash` are checked when present and the value is given; `require_c_hash` demands `c_hash`,
    as a hybrid (`code id_token`) response must carry it. Times are read by this machine's clock.
    """
    decoded = _decoded(id_token)
    _raise_if_refused(algorithm_check(decoded.header), decoded)  # before any key is looked up
    signature = await signature_from_authority(
        decoded, client=client, cache=cache, discovery=discovery
    )
    report = check_token(
        decoded,
        expected_issuer=discovery.issuer,
        audience=client_id,
        token_kind="id",
        leeway=leeway,
        now=time.time() if now is None else now,
        signature=signature,
        global_authorities=(),  # the expected issuer is the one that signed this user in
    )
    _refuse_first(report, _FORGERY_CHECKS)
    claims = decoded.claims
    _require_times(claims)
    _refuse_first(report, _CLAIM_CHECKS)
    _check_azp(claims, client_id)
    _check_nonce(claims, nonce)
    if require_c_hash and "c_hash" not in claims:
        raise IdTokenError(
            "the id_token that came with the code has no c_hash",
            "a code id_token answer must bind the code to the id_token (OIDC Core 3.3.2.11)",
        )
    _check_hash(claims, "c_hash", code, decoded.alg)
    _check_hash(claims, "at_hash", access_token, decoded.alg)
    return dict(claims)

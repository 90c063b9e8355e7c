"""Token inspection: decode any token without trusting it, then check it the way the API would.

`decode_token` reads whatever was pasted (a JWT, an encrypted JWT, a platform reference token,
some other opaque string) and never trusts it. `check_token` runs every check that needs no
network; `verify_token` adds the signature, with keys taken only from the expected authority's
JWKS, never from the token. `introspect` asks the authority about opaque tokens.
The whole token never appears in a report, an error or a repr: only `mask(token)`.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES
from tokenlab.core.claims import (
    CHURN_HEADER,
    KNOWN_HEADER,
    Check,
    ClaimDiff,
    ClaimRow,
    Expectation,
    audience_check,
    claim_row,
    claim_table,
    client_check,
    compare_claims,
    issuer_check,
    scope_check,
    skip_check,
    time_checks,
    type_check,
    utc_text,
    value_text,
)
from tokenlab.core.errors import SecretMissingError, UsageError
from tokenlab.core.redact import Redactor, mask

__all__ = [  # Check, ClaimRow and ClaimDiff live in claims.py; re-exported as part of this API
    "Check",
    "ClaimDiff",
    "ClaimRow",
    "DecodedToken",
    "TokenFormatError",
    "TokenReport",
    "check_token",
    "compare_tokens",
    "decode_token",
    "introspect",
    "signature_check",
    "verify_token",
]

if TYPE_CHECKING:  # annotations only: offline decoding must not load httpx
    import httpx

    from tokenlab.core.authority import AuthorityCache, Discovery
    from tokenlab.core.flows.base import FlowContext

MAX_TOKEN_CHARS = 64 * 1024  # real tokens are a few KiB; more is a pasted file, not a token
DEFAULT_LEEWAY_S = 60
MAX_JSON_DEPTH = 32  # real claims nest 2-3 levels; deeper only exhausts recursive readers
SKEW_NOISE_S = 2.0

TokenKind = Literal["jwt", "jwe", "reference", "opaque"]

# Asymmetric JWS algorithms and the key type each needs. HMAC (HS*) is absent on purpose: an
# identity service signs with a private key and publishes only public keys.
KEY_TYPE_FOR_ALG = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
CURVE_FOR_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
KEY_URL_HEADERS = ("jku", "x5u", "jwk", "x5c")  # where a token could point at its own key

CHECK_ORDER = (
    "format",
    "algorithm",
    "key_source",
    "introspection",
    "issuer",
    "signature",
    "expiry",
    "not_before",
    "issued_at",
    "audience",
    "type",
    "scope",
    "client_id",
)

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_OPAQUE = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")  # RFC 6750 b64token characters
_PREFIX = re.compile(r"^(?:(?:authorization|x-api-key)\s*:\s*)?(?:bearer(?:\s+|$))?", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")


class TokenFormatError(UsageError):
    """The input is not a token tokenlab can read. Never quotes the input."""


# -- decoding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedToken:
    """A token read without trusting it. `token` is the whole token: show only `masked`."""

    kind: TokenKind
    description: str  # what it is and what can be checked, in one sentence
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    signature: bytes = field(default=b"", repr=False)
    signing_input: bytes = field(default=b"", repr=False)
    token: str = field(default="", repr=False)

    @property
    def masked(self) -> str:
        return mask(self.token)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.token.split(".")) if self.kind in ("jwt", "jwe") else (self.token,)

    @property
    def alg(self) -> str:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else ""


def _clean(text: str) -> str:
    """The token inside what was pasted: no whitespace, quotes, `Bearer ` or header name."""
    if len(text) > MAX_TOKEN_CHARS:
        raise TokenFormatError(
            f"the input is {len(text)} characters long: too long for a token",
            "give the token only, not a file or a whole HTTP exchange",
        )
    token = text.strip().strip("'\"").strip()
    token = _PREFIX.sub("", token, count=1).strip().strip("'\"")
    token = _LINE_BREAK.sub("", token)  # a terminal wraps long tokens over lines
    if not token:
        raise TokenFormatError(
            "no token given", "pass the token as an argument, or `-` and the token on stdin"
        )
    for position, char in enumerate(token):
        if char.isspace():
            raise TokenFormatError(
                f"not a token: it has a space at position {position}",
                "a token is one word (JWTs look like eyJ...xxx.yyy.zzz); give only the token",
            )
        if not char.isascii() or not char.isprintable():
            raise TokenFormatError(
                f"not a token: character U+{ord(char):04X} at position {position}",
                "tokens are plain ASCII; the text may have been mangled when it was copied",
            )
    return token


def _b64decode(segment: str, what: str, warnings: list[str]) -> bytes:
    body = segment.rstrip("=")
    if body != segment:
        warnings.append(f"the {what} has base64 padding (=), which JWTs never use")
    if not _B64URL.fullmatch(body):
        position, char = next((i, c) for i, c in enumerate(body) if not _B64URL.fullmatch(c))
        hint = (
            "it looks like standard base64 (+ and /), not base64url (- and _): the token was re-encoded"
            if char in "+/"
            else "copy the whole token again; it was changed or cut"
        )
        raise TokenFormatError(
            f"the {what} is not base64url: unexpected {char!r} at position {position}", hint
        )
    if len(body) % 4 == 1:
        raise TokenFormatError(
            f"the {what} has an impossible base64url length ({len(body)}): it was cut or changed",
            "copy the whole token again",
        )
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (iterative: the value may be hostile)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            if deepest > MAX_JSON_DEPTH:
                break
            stack.extend(
                (v, level + 1) for v in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def _json_object(data: bytes, what: str, warnings: list[str]) -> dict[str, Any]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenFormatError(
            f"the {what} is not text (not UTF-8): the token was cut or changed",
            "copy the whole token again",
        ) from None
    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise TokenFormatError(
            f"the {what} is not JSON: the token was cut or changed, or it is not a JWT",
            "copy the whole token again",
        ) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise TokenFormatError(
            f"the {what} nests JSON more than {MAX_JSON_DEPTH} levels deep: no real token does",
            "this is not a token from an identity service",
        )
    if not isinstance(value, dict):
        raise TokenFormatError(
            f"the {what} is JSON but not an object (it is {type(value).__name__})",
            "a JWT's header and payload are JSON objects; this is not a JWT",
        )
    for name in dict.fromkeys(duplicates):
        # RFC 7519 4: readers differ on which copy wins, which is how confusion attacks start
        warnings.append(f"the {what} names {name!r} more than once")
    return value


def _decode_jws(token: str, parts: list[str]) -> DecodedToken:
    warnings: list[str] = []
    header = _json_object(_b64decode(parts[0], "header (1st part)", warnings), "header", warnings)
    claims = _json_object(_b64decode(parts[1], "payload (2nd part)", warnings), "payload", warnings)
    signature = _b64decode(parts[2], "signature (3rd part)", warnings)
    alg = header.get("alg")
    signed = f"signed with {alg}" if isinstance(alg, str) and alg.lower() != "none" else "UNSIGNED"
    return DecodedToken(
        kind="jwt",
        description=f"a JWT ({signed}); its claims are readable by anyone, trusted only once verified",
        header=header,
        claims=claims,
        warnings=tuple(warnings),
        signature=signature,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        token=token,
    )


def _decode_jwe(token: str, parts: list[str]) -> DecodedToken:
    warnings: list[str] = []
    header = _json_object(_b64decode(parts[0], "header (1st part)", warnings), "header", warnings)
    if not isinstance(header.get("enc"), str):
        # five parts but no content encryption: not a JWE, more likely a JWT with text glued on
        raise TokenFormatError(
            "this has 5 dot-separated parts like an encrypted JWT, but its header names no enc",
            "copy only the token: a signed JWT has 3 parts",
        )
    alg, enc = header.get("alg", "?"), header["enc"]
    return DecodedToken(
        kind="jwe",
        description=f"an encrypted token (JWE, alg {alg}, enc {enc}): its claims can be read only "
        "with the recipient's private key; the platform's API access tokens are signed JWTs, not encrypted ones",
        header=header,
        warnings=tuple(warnings),
        token=token,
    )


def decode_token(text: str) -> DecodedToken:
    """Read a token without trusting it. Raises only `TokenFormatError` (with a hint)."""
    token = _clean(text)
    if token.startswith("enrt_"):
        if not re.fullmatch(r"enrt_[A-Za-z0-9_-]+", token):
            raise TokenFormatError(
                "this starts like a platform reference token (enrt_...) but has characters it never has",
                "copy the reference token again",
            )
        return DecodedToken(
            kind="reference",
            description="a platform reference token (enrt_...): opaque, not a JWT, nothing to decode; "
            "only the API (sent as Authorization: Bearer or X-Api-Key) or the identity service's "
            "introspection can tell whether it is valid, revoked or expired",
            token=token,
        )
    parts = token.split(".")
    if len(parts) == 3:
        return _decode_jws(token, parts)
    if len(parts) == 5:
        return _decode_jwe(token, parts)
    if len(parts) > 1 or token.startswith("eyJ"):
        raise TokenFormatError(
            f"this looks like a JWT but has {len(parts)} dot-separated part(s): a signed JWT has 3, an encrypted one 5",
            "copy the whole token; a terminal or an editor may have cut or joined it",
        )
    if _OPAQUE.fullmatch(token):
        return DecodedToken(
            kind="opaque",
            description="an opaque token (not a JWT, not a platform reference token): nothing can be "
            "read from it; only its issuer's introspection endpoint can check it. The platform's "
            "access tokens are JWTs (eyJ...) and its reference tokens start with enrt_",
            token=token,
        )
    raise TokenFormatError(
        f"not a token: {len(token)} characters that are neither a JWT nor an opaque token",
        "a JWT looks like eyJ...xxx.yyy.zzz; a platform reference token starts with enrt_",
    )


# -- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenReport:
    token: DecodedToken
    checks: tuple[Check, ...]
    claims: tuple[ClaimRow, ...]
    header: tuple[ClaimRow, ...]
    checked_at: float
    authority: str = ""  # the authority the token was checked against, if any
    verified: bool = False  # the signature was checked with the authority's keys
    introspection: Mapping[str, Any] | None = None

    @property
    def first_failure(self) -> Check | None:
        return next((c for c in self.checks if c.status == "fail"), None)

    @property
    def ok(self) -> bool:
        return self.first_failure is None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """Safe to print or paste: the token masked, any token-like value inside masked too."""
        redactor = Redactor((self.token.token,))
        first = self.first_failure
        return {
            "token": self.token.masked,
            "kind": self.token.kind,
            "description": self.token.description,
            "ok": self.ok,
            "verified": self.verified,
            "authority": self.authority,
            "checked_at": utc_text(self.checked_at),
            "header": redactor.json_value(dict(self.token.header)),
            "claims": redactor.json_value(dict(self.token.claims)),
            "signature_bytes": len(self.token.signature),
            "warnings": list(self.token.warnings),
            "claim_table": [redactor.json_value(r.to_json()) for r in self.claims],
            "checks": [redactor.json_value(c.to_json()) for c in self.checks],
            "first_failure": redactor.json_value(first.to_json()) if first else None,
            "introspection": redactor.json_value(dict(self.introspection))
            if self.introspection is not None
            else None,
        }


def _format_check(decoded: DecodedToken, expect: Expectation) -> Check:
    if decoded.kind == "jwt":
        crit = decoded.header.get("crit")
        if crit is not None:
            # RFC 7515 4.1.11: a verifier must reject what it does not understand; we understand none
            return Check(
                "format",
                "fail",
                f"crit {crit}",
                "no critical extensions",
                "the header marks extensions critical that neither tokenlab nor the platform's APIs understand",
            )
        if decoded.warnings:
            return Check("format", "warn", "JWT", "a well-formed JWT", "; ".join(decoded.warnings))
        return Check("format", "pass", "JWT (JWS compact)", "a JWT", "three base64url parts")
    expected = "a signed JWT" if expect in ("access", "id") else "a token"
    if decoded.kind == "jwe":
        return Check("format", "warn", "encrypted JWT (JWE)", expected, decoded.description)
    observed = "platform reference token" if decoded.kind == "reference" else "opaque string"
    return Check(
        "format", "warn", observed, expected, "not a JWT: nothing to decode or check locally"
    )


def _algorithm_check(header: Mapping[str, Any]) -> Check:
    alg = header.get("alg")
    expected = "an asymmetric algorithm such as RS256"
    if not isinstance(alg, str) or not alg:
        return Check(
            "algorithm", "fail", "absent", expected, "the header names no signature algorithm"
        )
    if alg.lower() == "none":
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            "alg none: the token is unsigned, anyone can write one; never accepted",
        )
    if alg.upper().startswith("HS"):
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            f"{alg} is HMAC (a shared secret), but the authority signs with a private key and publishes "
            "only public keys: an HMAC token checked with a public key as its secret is the "
            "algorithm-confusion attack (anyone can forge it); never verified",
        )
    if alg not in KEY_TYPE_FOR_ALG:
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            f"{alg} is not a signature algorithm tokenlab accepts",
        )
    return Check(
        "algorithm", "pass", alg, expected, "an asymmetric signature: checked with a public key"
    )


def _key_source_check(header: Mapping[str, Any]) -> Check:
    named = [k for k in KEY_URL_HEADERS if k in header]
    if not named:
        return Check(
            "key_source",
            "pass",
            "kid only" if "kid" in header else "no key named",
            "keys from the authority's JWKS",
            "no key in the token",
        )
    shown = ", ".join(
        f"{k}={header[k]}" if isinstance(header[k], str) else f"{k} (embedded)" for k in named
    )
    return Check(
        "key_source",
        "warn",
        shown,
        "keys from the authority's JWKS",
        "the token points at its own key; tokenlab never fetches or trusts it (a forger would point "
        "it at theirs): only the authority's JWKS counts",
    )


def _ordered(checks: Sequence[Check]) -> tuple[Check, ...]:
    rank = {name: i for i, name in enumerate(CHECK_ORDER)}
    return tuple(sorted(checks, key=lambda c: rank.get(c.name, len(rank))))


def check_token(
    decoded: DecodedToken,
    *,
    expected_issuer: str | None = None,
    audience: str | None = None,
    required_scopes: Sequence[str] = (),
    client_id: str | None = None,
    token_kind: Expectation = "access",
    leeway: float = DEFAULT_LEEWAY_S,
    clock_skew: float = 0.0,
    now: float | None = None,
    signature: Check | None = None,
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES,
) -> TokenReport:
    """Every check that needs no network. The signature is `skip` unless `signature` is given."""
    now = time.time() if now is None else now
    if abs(clock_skew) < SKEW_NOISE_S:
        clock_skew = 0.0  # the Date header has 1 s resolution: a smaller skew is rounding noise
    header_rows = tuple(_header_row(k, v) for k, v in decoded.header.items())
    checks: list[Check] = [_format_check(decoded, token_kind)]
    if decoded.kind != "jwt":
        # Nothing else can be judged locally: one line that says how to learn more, not twelve skips.
        if decoded.kind == "jwe":
            checks.append(skip_check("signature", "encrypted: its claims cannot be read"))
        else:
            checks.append(
                skip_check(
                    "introspection",
                    "not asked: --verify with --profile of a confidential client asks the "
                    "authority; otherwise only the API can tell",
                )
            )
        return TokenReport(decoded, tuple(checks), (), header_rows, now)
    claims, header = decoded.claims, decoded.header
    if token_kind == "id" and not audience:
        audience = client_id  # an id_token's audience is the client itself (OIDC Core 2)
    checks += [
        _algorithm_check(header),
        _key_source_check(header),
        issuer_check(claims, expected_issuer, global_authorities),
        signature
        or skip_check(
            "signature", "not checked: use --verify to check it with the authority's keys"
        ),
        *time_checks(claims, now, leeway, clock_skew, token_kind),
        audience_check(claims, audience),
        type_check(header, claims, token_kind),
        scope_check(claims, required_scopes),
        client_check(claims, client_id),
    ]
    return TokenReport(
        decoded,
        _ordered(checks),
        claim_table(claims, now),
        header_rows,
        now,
        authority=expected_issuer or "",
        verified=signature is not None,
    )


def _header_row(name: str, value: Any) -> ClaimRow:
    return ClaimRow(name, value_text(value), "", KNOWN_HEADER.get(name, ""))


# -- signature -----------------------------------------------------------------------------


def _fail_sig(observed: str, expected: str, reason: str) -> Check:
    return Check("signature", "fail", observed, expected, reason)


def signature_check(decoded: DecodedToken, jwk: Mapping[str, Any] | None, known: str) -> Check:
    """The signature against one JWK of the authority (`None`: none matched; `known`: its kids)."""
    alg = decoded.alg
    kid = decoded.header.get("kid")
    shown = f"{alg or 'no alg'}, kid {kid}" if kid is not None else f"{alg or 'no alg'}, no kid"
    want = f"a signature by one of the authority's keys ({known or 'none published'})"
    if not alg or alg.lower() == "none":
        return _fail_sig(shown, want, "the token is unsigned (alg none): never accepted")
    if alg.upper().startswith("HS"):
        kty = str(jwk.get("kty")) if jwk is not None else ""
        if kty in ("RSA", "EC", "OKP"):
            return _fail_sig(
                shown,
                want,
                f"ATTACK: {alg} (HMAC) names the authority's {kty} public key: this is the "
                "algorithm-confusion attack, forged with the public key as the HMAC secret; a "
                "public key is never used as an HMAC secret, so it is not verified",
            )
        return _fail_sig(
            shown,
            want,
            f"{alg} (HMAC) needs a shared secret; the authority publishes only public keys, so "
            "this token was not signed by it (an algorithm-confusion attempt)",
        )
    need = KEY_TYPE_FOR_ALG.get(alg)
    if need is None:
        return _fail_sig(shown, want, f"{alg} is not an algorithm tokenlab verifies")
    if jwk is None:
        return _fail_sig(
            shown,
            want,
            "unknown key: the kid is not in the authority's JWKS, even after fetching it again "
            "(keys rotate): another authority or a retired key signed it",
        )
    kid_text = str(jwk.get("kid", "")) or "(no kid)"
    if jwk.get("kty") != need:
        return _fail_sig(
            shown,
            want,
            f"{alg} needs an {need} key but the authority's key {kid_text} is {jwk.get('kty')}: "
            "the algorithm does not fit the key, never verified",
        )
    if isinstance(jwk.get("alg"), str) and jwk["alg"] != alg:
        return _fail_sig(
            shown,
            want,
            f"the authority's key {kid_text} is for {jwk['alg']}, the token says {alg}",
        )
    if jwk.get("use", "sig") != "sig":
        return _fail_sig(
            shown, want, f"the authority's key {kid_text} is not a signing key (use {jwk['use']})"
        )
    if alg in CURVE_FOR_ALG and jwk.get("crv") != CURVE_FOR_ALG[alg]:
        return _fail_sig(
            shown, want, f"{alg} needs curve {CURVE_FOR_ALG[alg]}, the key is {jwk.get('crv')}"
        )
    valid = _verify_with_jwk(alg, jwk, decoded.signing_input, decoded.signature)
    if valid is None:
        return _fail_sig(
            shown,
            want,
            f"the authority's key {kid_text} cannot be loaded: its JWKS entry is broken",
        )
    if valid:
        return Check("signature", "pass", shown, want, f"valid {alg} signature by key {kid_text}")
    return _fail_sig(
        shown,
        want,
        f"the signature does not match key {kid_text}: the token was changed after it was signed",
    )


def _verify_with_jwk(
    alg: str, jwk: Mapping[str, Any], message: bytes, signature: bytes
) -> bool | None:
    """True/False for the signature; None when the JWK cannot be loaded as a public key."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    algorithm = jwt.algorithms.get_default_algorithms()[alg]
    try:
        key = algorithm.from_jwk(dict(jwk))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    # A JWKS that leaks private members still yields a key; verify with its public half only.
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        key = key.public_key()
    try:
        return bool(algorithm.verify(message, key, signature))
    except (ValueError, TypeError):  # e.g. an EC signature of the wrong length
        return False


def _known_kids(jwks: Mapping[str, Any]) -> str:
    keys = jwks.get("keys")
    kids = (
        [str(k.get("kid", "?")) for k in keys if isinstance(k, dict)]
        if isinstance(keys, list)
        else []
    )
    return ", ".join(kids)


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

    The JWKS location comes from the expected authority's discovery, never from the token
    (`iss`, `jku`, `x5u`): a forged token must not choose the key that checks it.
    `clock_skew` None: the skew measured from the `Date` of that discovery answer.
    """
    signature: Check | None = None
    if decoded.kind == "jwt":
        discovery = await cache.discovery(client, expected_issuer)
        signature = await _signature_from_authority(decoded, client, cache, discovery)
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


async def _signature_from_authority(
    decoded: DecodedToken, client: httpx.AsyncClient, cache: AuthorityCache, discovery: Discovery
) -> Check:
    alg = decoded.alg
    if not alg or alg.lower() == "none":
        return signature_check(decoded, None, "")  # nothing to look up for an unsigned token
    kid = decoded.header.get("kid")
    if kid is not None and not isinstance(kid, str):
        return _fail_sig(str(kid), "a kid string", "the kid is not a string")
    key, jwks = await cache.find_key(client, discovery, kid)
    return signature_check(decoded, key, _known_kids(jwks))


# -- opaque tokens -------------------------------------------------------------------------


async def introspect(
    ctx: FlowContext,
    token: DecodedToken | str,
    *,
    required_scopes: Sequence[str] = (),
    leeway: float = DEFAULT_LEEWAY_S,
    now: float | None = None,
) -> TokenReport:
    """Ask the authority about a token (RFC 7662) with the profile's client; a report either way.

    When the authority has no introspection endpoint, or the profile's
    client may not call it (public clients cannot authenticate), the report says so.
    """
    decoded = token if isinstance(token, DecodedToken) else decode_token(token)
    now = time.time() if now is None else now
    ctx.secrets.redactor.add_known(decoded.token)
    check, body = await _introspection(ctx, decoded)
    checks = [_format_check(decoded, "any"), check]
    rows: tuple[ClaimRow, ...] = ()
    if body is not None and body.get("active") is True:
        checks += [
            issuer_check(body, ctx.authority, DEFAULT_GLOBAL_AUTHORITIES),
            *[c for c in time_checks(body, now, leeway, 0.0, "any") if c.name == "expiry"],
            scope_check(body, required_scopes),
        ]
        rows = tuple(claim_row(k, v, now) for k, v in body.items())
    else:
        why = "nothing more can be checked without an active introspection answer"
        checks += [skip_check(n, why) for n in ("issuer", "expiry", "scope")]
    return TokenReport(
        decoded,
        _ordered(checks),
        rows,
        (),
        now,
        authority=ctx.authority,
        introspection=body,
    )


async def _introspection(
    ctx: FlowContext, decoded: DecodedToken
) -> tuple[Check, dict[str, Any] | None]:
    """The introspection check, and the authority's answer when it gave one."""
    from tokenlab.core.explain import TokenEndpointError
    from tokenlab.core.flows.token_endpoint import post_form

    profile = ctx.profile
    endpoint = (await ctx.discovery()).introspection_endpoint
    if not endpoint:
        return skip_check(
            "introspection",
            f"{ctx.authority} publishes no introspection endpoint: only the API can tell whether "
            "this token is accepted (send it with tokenlab probe)",
        ), None
    if profile.is_public_client or not profile.client_id:
        return skip_check(
            "introspection",
            f"the profile {profile.name!r} has no confidential client, and introspection needs the "
            "client's credentials: only the API can tell whether this token is accepted",
        ), None
    try:
        body = await post_form(ctx, endpoint, {"token": decoded.token}, flow="introspection")
    except SecretMissingError as exc:
        return skip_check("introspection", f"{exc.message} ({exc.hint})"), None
    except TokenEndpointError as exc:
        return Check(
            "introspection",
            "warn",
            f"HTTP {exc.status}" if exc.status else "refused",
            "an answer",
            f"the authority refused to introspect with this client: {exc.error or exc.message}; "
            "the token itself is not judged",
        ), None
    if body.get("active") is True:
        return Check(
            "introspection", "pass", "active", "active", f"{ctx.authority} says the token is active"
        ), body
    return Check(
        "introspection",
        "fail",
        "inactive",
        "active",
        f"{ctx.authority} says the token is not active: revoked, expired, or unknown to it"
        + (
            " (if the API accepts it anyway, this identity service does not "
            "introspect reference tokens)"
            if decoded.kind == "reference"
            else ""
        ),
    ), body


# -- comparing -----------------------------------------------------------------------------


def compare_tokens(a: DecodedToken | str, b: DecodedToken | str) -> list[ClaimDiff]:
    """What differs between two tokens: header (as `header.X`) then claims; nothing ignored.

    Churn every new token has (iat, exp, nbf, jti, a rotated kid) is marked `expected`.
    """
    before = a if isinstance(a, DecodedToken) else decode_token(a)
    after = b if isinstance(b, DecodedToken) else decode_token(b)
    diffs: list[ClaimDiff] = []
    if before.kind != after.kind:
        diffs.append(
            ClaimDiff(
                "kind", "changed", before.kind, after.kind, False, "a different kind of token"
            )
        )
    if before.kind in ("reference", "opaque") or after.kind in ("reference", "opaque"):
        if before.token != after.token:
            diffs.append(
                ClaimDiff(
                    "token", "changed", before.masked, after.masked, False, "a different token"
                )
            )
        return diffs
    diffs += compare_claims(before.header, after.header, prefix="header.", churn=CHURN_HEADER)
    diffs += compare_claims(before.claims, after.claims)
    return diffs

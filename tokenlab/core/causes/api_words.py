"""Read the API's own words: what an `error_description` (or an error body) says failed.

Most bearer-token stacks name the failed check in their 401: ASP.NET Core JwtBearer and
Microsoft.IdentityModel (the platform runs on .NET), IdentityServer and its introspection
handler, jose-based Node middleware, jsonwebtoken/express-jwt, Spring Security. Each phrasing is
one row below, specific families first; plain words last, for servers (the sandbox among them)
that say it their own way. A description may list several failures ("…; …"): each part is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ASPNET = "ASP.NET Core JwtBearer"
IDENTITY_MODEL = "Microsoft.IdentityModel"
IDENTITY_SERVER = "IdentityServer"
JOSE = "jose (Node)"
JSONWEBTOKEN = "jsonwebtoken (Node)"
SPRING = "Spring Security"
PLAIN = ""  # plain words: no stack named


@dataclass(frozen=True)
class Wording:
    key: str  # the cause key these words name
    family: str
    pattern: re.Pattern[str]


def _w(key: str, family: str, pattern: str) -> Wording:
    return Wording(key, family, re.compile(pattern, re.IGNORECASE))


WORDINGS: tuple[Wording, ...] = (
    # Microsoft.IdentityModel codes (IncludeErrorDetails, logs pasted into a body)
    _w("wrong-audience", IDENTITY_MODEL, r"\bIDX10(214|208|231)\b"),
    _w("wrong-issuer", IDENTITY_MODEL, r"\bIDX10(205|204|211)\b"),
    _w("token-expired", IDENTITY_MODEL, r"\bIDX10223\b"),
    _w("token-not-yet-valid", IDENTITY_MODEL, r"\bIDX10222\b"),
    _w("token-no-expiry", IDENTITY_MODEL, r"\bIDX10225\b"),
    _w("signing-key-unknown", IDENTITY_MODEL, r"\bIDX10(501|500|516)\b"),
    _w("bad-signature", IDENTITY_MODEL, r"\bIDX10(503|504|508|511)\b"),
    _w("token-malformed", IDENTITY_MODEL, r"\bIDX1(2741|4100|2709|4101|4102|2729)\b"),
    # ASP.NET Core JwtBearer's descriptions (JwtBearerHandler), new and old wordings
    _w("wrong-audience", ASPNET, r"\bthe audience\b.{0,200}\bis invalid\b"),
    _w("wrong-issuer", ASPNET, r"\bthe issuer\b.{0,200}\bis invalid\b"),
    _w("token-no-expiry", ASPNET, r"\bthe token has no expiration\b"),
    _w("token-malformed", ASPNET, r"\bthe token lifetime is invalid\b"),
    _w("token-expired", ASPNET, r"\bthe token expired at\b|\bthe token is expired\b"),
    _w("token-not-yet-valid", ASPNET, r"\bthe token is not valid (before|yet)\b"),
    _w("signing-key-unknown", ASPNET, r"\bthe signature key was not found\b"),
    _w("bad-signature", ASPNET, r"\bthe signature is invalid\b|\bthe signing key is invalid\b"),
    # IdentityServer: its protected-resource error codes' words, and introspection's answer
    _w("token-expired", IDENTITY_SERVER, r"\bexpired_token\b|\baccess token has expired\b"),
    _w("token-revoked", IDENTITY_SERVER, r"\btoken is not active\b|\binactive token\b"),
    # jose (panva/jose): the messages of its JWT/JWS errors
    _w("token-expired", JOSE, r'"exp" claim timestamp check failed'),
    _w("token-not-yet-valid", JOSE, r'"nbf" claim timestamp check failed'),
    _w("wrong-audience", JOSE, r'unexpected "aud" claim value'),
    _w("wrong-issuer", JOSE, r'unexpected "iss" claim value'),
    _w("wrong-token-type", JOSE, r'unexpected "typ" JWT header value'),
    _w("token-no-expiry", JOSE, r'missing required "exp" claim'),
    _w("bad-signature", JOSE, r"\bsignature verification failed\b"),
    _w("signing-key-unknown", JOSE, r"no applicable key found in the JSON Web Key Set"),
    _w("bad-algorithm", JOSE, r'"alg" \(Algorithm\) Header Parameter (value )?not allowed'),
    _w("token-malformed", JOSE, r"Invalid Compact JWS|JWS Protected Header is invalid"),
    _w("token-malformed", JOSE, r"JWTs must use Compact JWS serialization"),
    # Spring Security (oauth2-resource-server, Nimbus)
    _w("token-expired", SPRING, r"\bJwt expired at\b"),
    _w("token-not-yet-valid", SPRING, r"\bJwt used before\b"),
    _w("wrong-issuer", SPRING, r"\bthe iss claim is not valid\b"),
    _w("wrong-audience", SPRING, r"\bthe aud claim is not valid\b"),
    _w("signing-key-unknown", SPRING, r"another algorithm expected, or no matching key\(s\) found"),
    _w("token-malformed", SPRING, r"\bmalformed token\b|\binvalid JWT serialization\b"),
    _w("token-malformed", SPRING, r"\bbearer token is malformed\b"),
    _w("bad-signature", SPRING, r"\binvalid signature\b"),
    # jsonwebtoken / express-jwt (after Spring: "jwt expired" is in "Jwt expired at")
    _w("token-expired", JSONWEBTOKEN, r"\bjwt expired\b"),
    _w("token-not-yet-valid", JSONWEBTOKEN, r"\bjwt not active\b"),
    _w("wrong-audience", JSONWEBTOKEN, r"\bjwt audience invalid\b"),
    _w("wrong-issuer", JSONWEBTOKEN, r"\bjwt issuer invalid\b"),
    _w("token-malformed", JSONWEBTOKEN, r"\bjwt malformed\b"),
    _w("bad-algorithm", JSONWEBTOKEN, r"\binvalid algorithm\b"),
    # plain words: the sandbox, the test provider, and any server that says it its own way
    _w("token-revoked", PLAIN, r"\brevoked\b"),
    _w("reference-token-unknown", PLAIN, r"\breference token is unknown\b|\bunknown reference\b"),
    _w("x-api-key-not-reference", PLAIN, r"x-api-key\b.{0,80}\b(reference|enrt_)"),
    _w("wrong-scheme", PLAIN, r"\bscheme\b"),
    _w("signing-key-unknown", PLAIN, r"\bunknown (signing )?key\b|\bkey this instance does not"),
    _w("signing-key-unknown", PLAIN, r"\bno (matching|signing) key\b|\bkid\b"),
    _w("token-expired", PLAIN, r"\bexpired\b|\bexpiry\b"),
    _w("token-not-yet-valid", PLAIN, r"\bnot yet valid\b|\bnot valid yet\b|\bnbf\b"),
    _w("wrong-issuer", PLAIN, r"\bissuer\b|\biss\b"),
    _w("wrong-audience", PLAIN, r"\baudience\b|\baud\b"),
    _w("bad-signature", PLAIN, r"\bsignature\b"),
    _w("wrong-token-type", PLAIN, r"\btyp\b|\bnot an access token\b|\bid_token\b"),
    _w("bad-algorithm", PLAIN, r"\balgorithm\b|\balg\b"),
    _w("token-malformed", PLAIN, r"\bmalformed\b|\bnot a jwt\b|\bnot well.formed\b"),
)

# Error codes that name the failure by themselves (RFC 6750 leaves invalid_token vague).
ERROR_CODES = {"expired_token": "token-expired"}
_PARTS = re.compile(r";\s+|\n+")


@dataclass(frozen=True)
class Reading:
    keys: tuple[str, ...]  # what the words name, in the order they said it
    family: str  # whose phrasing the first one was read as ("" for plain words)


def read_words(said: str, error: str = "") -> Reading:
    """The cause keys the API's words name, most specific reading of each part."""
    keys: list[str] = []
    family = ""
    if error in ERROR_CODES:
        keys.append(ERROR_CODES[error])
        family = IDENTITY_SERVER
    for part in _PARTS.split(said):
        wording = next((w for w in WORDINGS if w.pattern.search(part)), None)
        if wording is None or wording.key in keys:
            continue
        if not keys:
            family = wording.family
        keys.append(wording.key)
    return Reading(tuple(keys), family)

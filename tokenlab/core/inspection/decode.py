"""Reading a token without trusting it: whatever was pasted becomes a `DecodedToken` or a
`TokenFormatError` whose hint says what to do. Nothing here checks a claim or a key.

The whole token never appears in an error or a repr: only `mask(token)`.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tokenlab.core.errors import UsageError
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.redact import mask

# Real tokens are a few KiB, but one with every group of a big directory in its claims reaches
# hundreds: up to 4 MiB is read (through stdin: an argument is capped by the OS at 128 KiB);
# more is a file or a whole HTTP exchange, not a token.
MAX_TOKEN_CHARS = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32  # real claims nest 2-3 levels; deeper only exhausts recursive readers

TokenKind = Literal["jwt", "jwe", "reference", "opaque"]

_NOT_B64URL = re.compile(r"[^A-Za-z0-9_-]")
_TO_STANDARD_B64 = bytes.maketrans(b"-_+/", b"+/!!")
_OPAQUE = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")  # RFC 6750 b64token characters
_REFERENCE = re.compile(r"enrt_[A-Za-z0-9_-]+")
_PREFIX = re.compile(r"^(?:(?:authorization|x-api-key)\s*:\s*)?(?:bearer(?:\s+|$))?", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")
# Anything but printable ASCII without the space: the first such character is what is reported.
_NOT_TOKEN_CHAR = re.compile(r"[^\x21-\x7e]")


class TokenFormatError(UsageError):
    """The input is not a token tokenlab can read. Never quotes the input."""


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


def without_prefix(text: str) -> str:
    """The token as pasted without quotes, a `Bearer ` scheme or a header name before it
    (`Authorization: Bearer ...`, `X-Api-Key: ...`)."""
    token = text.strip().strip("'\"").strip()
    return _PREFIX.sub("", token, count=1).strip().strip("'\"")


def _clean(text: str) -> str:
    """The token inside what was pasted: no whitespace, quotes, `Bearer ` or header name."""
    if len(text) > MAX_TOKEN_CHARS:
        raise TokenFormatError(
            f"the input is more than {MAX_TOKEN_CHARS} characters (4 MiB): too long for a token",
            "give the token only, not a file or a whole HTTP exchange",
        )
    token = without_prefix(text)
    if "\n" in token or "\r" in token:  # a terminal wraps long tokens over lines
        token = _LINE_BREAK.sub("", token)
    if not token:
        raise TokenFormatError(
            "no token given", "pass the token as an argument, or `-` and the token on stdin"
        )
    bad = _NOT_TOKEN_CHAR.search(token)  # one regex pass: a character loop is most of the cost
    if bad is None:
        return token
    position, char = bad.start(), bad.group()
    if char.isspace():
        raise TokenFormatError(
            f"not a token: it has a space at position {position}",
            "a token is one word (JWTs look like eyJ...xxx.yyy.zzz); give only the token",
        )
    raise TokenFormatError(
        f"not a token: character U+{ord(char):04X} at position {position}",
        "tokens are plain ASCII; the text may have been mangled when it was copied",
    )


def _b64decode(segment: str, what: str, warnings: list[str]) -> bytes:
    body = segment.rstrip("=")
    if body != segment:
        warnings.append(f"the {what} has base64 padding (=), which JWTs never use")
    if len(body) % 4 != 1 and body.isascii():
        try:  # the usual case: one strict pass in C; '+' and '/' are mapped out of its alphabet
            return binascii.a2b_base64(_standard_b64(body), strict_mode=True)
        except binascii.Error:
            pass  # a character outside base64url: found and named below
    bad = _NOT_B64URL.search(body)
    if bad is not None:
        char = bad.group()
        hint = (
            "it looks like standard base64 (+ and /), not base64url (- and _): the token was re-encoded"
            if char in "+/"
            else "copy the whole token again; it was changed or cut"
        )
        raise TokenFormatError(
            f"the {what} is not base64url: unexpected {char!r} at position {bad.start()}", hint
        )
    if len(body) % 4 == 1:
        raise TokenFormatError(
            f"the {what} has an impossible base64url length ({len(body)}): it was cut or changed",
            "copy the whole token again",
        )
    return binascii.a2b_base64(_standard_b64(body))


def _standard_b64(body: str) -> bytes:
    """base64url text (no padding) as padded standard base64, for the C decoder (what
    urlsafe_b64decode does, without its Python layers). A '+' or '/' in base64url text becomes
    '!', which no base64 alphabet has: a strict decode refuses it."""
    return (body + "=" * (-len(body) % 4)).encode("ascii").translate(_TO_STANDARD_B64)


_UNREADABLE = {  # what each reading problem means for a token's part
    "not-text": (
        "is not text (not UTF-8): the token was cut or changed",
        "copy the whole token again",
    ),
    "not-json": (
        "is not JSON: the token was cut or changed, or it is not a JWT",
        "copy the whole token again",
    ),
    "too-deep": (
        f"nests JSON more than {MAX_JSON_DEPTH} levels deep: no real token does",
        "this is not a token from an identity service",
    ),
    "too-large": ("is too large for a token", "give the token only"),
}


def _json_object(data: bytes, what: str, warnings: list[str]) -> dict[str, Any]:
    try:
        parsed = read_json(data, max_depth=MAX_JSON_DEPTH, max_chars=MAX_TOKEN_CHARS)
    except JsonTextError as exc:
        message, hint = _UNREADABLE[exc.problem]
        raise TokenFormatError(f"the {what} {message}", hint) from None
    value = parsed.value
    if not isinstance(value, dict):
        raise TokenFormatError(
            f"the {what} is JSON but not an object (it is {type(value).__name__})",
            "a JWT's header and payload are JSON objects; this is not a JWT",
        )
    for name in parsed.duplicate_names:
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


def _decode_reference(token: str) -> DecodedToken:
    if not _REFERENCE.fullmatch(token):
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


def decode_token(text: str) -> DecodedToken:
    """Read a token without trusting it. Raises only `TokenFormatError` (with a hint)."""
    token = _clean(text)
    if token.startswith("enrt_"):
        return _decode_reference(token)
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

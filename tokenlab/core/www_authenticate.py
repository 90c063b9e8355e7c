"""`WWW-Authenticate` parsing: RFC 9110 §11.6.1 syntax, RFC 6750 and RFC 9728 parameters.

    WWW-Authenticate = #challenge
    challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    auth-param       = token BWS "=" BWS ( token / quoted-string )
    token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="

Commas separate both challenges and the parameters of one challenge, so a list element is a new
challenge when it starts with `token SP` not followed by `=`, and a parameter of the current
challenge when it has the `name=value` shape.

Two modes, because a probe must never lose its verdict to a server's malformed header:
- `strict=True` raises `ChallengeParseError` (a `TokenlabError`) at the first deviation, with its
  column and a short excerpt; nothing else is ever raised.
- `strict=False` (the default) never raises: it skips what it cannot read up to the next comma,
  keeps the first of duplicated parameters, accepts an unterminated quoted string to the end of
  its line, and returns what it could read.

Scheme and parameter names are case-insensitive: parameter names are stored lowercased, the
scheme as sent (compare with `Challenge.is_scheme`). Several header lines are one list (RFC 9110
§5.3), but each line is scanned on its own so a broken quote cannot swallow the next line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tokenlab.core.errors import TokenlabError

MAX_HEADER_CHARS = 64 * 1024  # far above any real challenge; bounds the work on hostile input
_EXCERPT = 24  # short enough that an echoed token can never appear whole in an error

_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_OWS = " \t"


class ChallengeParseError(TokenlabError):
    """A `WWW-Authenticate` header does not follow RFC 9110 (raised only with `strict=True`)."""

    def __init__(self, message: str, line: str, column: int) -> None:
        excerpt = line[column : column + _EXCERPT]
        more = "…" if len(line) > column + _EXCERPT else ""
        super().__init__(
            f"WWW-Authenticate is malformed at column {column + 1}: {message} (near {excerpt!r}{more})",
            "the server's challenge does not follow RFC 9110; the status code still applies",
        )
        self.column = column


@dataclass(frozen=True)
class Challenge:
    """One authentication challenge: a scheme with either a token68 or parameters."""

    scheme: str
    token68: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)  # names lowercased

    def is_scheme(self, scheme: str) -> bool:
        return self.scheme.lower() == scheme.lower()

    def get(self, name: str) -> str | None:
        return self.params.get(name.lower())

    # RFC 6750 §3 (Bearer) and RFC 9728 §5.1; any scheme may carry them, so they live here.
    @property
    def realm(self) -> str | None:
        return self.get("realm")

    @property
    def error(self) -> str | None:
        return self.get("error")

    @property
    def error_description(self) -> str | None:
        return self.get("error_description")

    @property
    def error_uri(self) -> str | None:
        return self.get("error_uri")

    @property
    def scope(self) -> tuple[str, ...]:
        """RFC 6750 §3: a space-delimited, case-sensitive list of scopes."""
        return tuple((self.get("scope") or "").split())

    @property
    def resource_metadata(self) -> str | None:
        return self.get("resource_metadata")

    def to_header(self) -> str:
        """This challenge as header text (every parameter value quoted, which is always valid)."""
        if self.token68 is not None:
            return f"{self.scheme} {self.token68}"
        if not self.params:
            return self.scheme
        params = ", ".join(f"{k}={quote(v)}" for k, v in self.params.items())
        return f"{self.scheme} {params}"

    def to_json(self) -> dict[str, object]:
        return {"scheme": self.scheme, "token68": self.token68, "params": dict(self.params)}


def quote(value: str) -> str:
    """A quoted-string: backslash-escape `\\` and `"` (RFC 9110 §5.6.4)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_challenges(challenges: Iterable[Challenge]) -> str:
    return ", ".join(c.to_header() for c in challenges)


def find_challenge(challenges: Iterable[Challenge], scheme: str = "Bearer") -> Challenge | None:
    """The first challenge of `scheme` (case-insensitive)."""
    return next((c for c in challenges if c.is_scheme(scheme)), None)


def parse_www_authenticate(
    header: str | Iterable[str] | None, *, strict: bool = False
) -> list[Challenge]:
    """Every challenge in one header value or several header lines, in order."""
    if header is None:
        return []
    lines = [header] if isinstance(header, str) else list(header)
    parser = _Parser(strict)
    total = 0
    for line in lines:
        if not isinstance(line, str):  # a caller's mistake must not become a TypeError deep down
            parser.fail("a header line is not text", "", 0)
            continue
        total += len(line)
        if total > MAX_HEADER_CHARS:
            parser.fail(f"longer than {MAX_HEADER_CHARS} characters", line, 0)
            break
        parser.line(line)
    return parser.finish()


class _Draft:
    """A challenge being read; params keep their first occurrence."""

    def __init__(self, scheme: str, token68: str | None = None) -> None:
        self.scheme = scheme
        self.token68 = token68
        self.params: dict[str, str] = {}

    def freeze(self) -> Challenge:
        return Challenge(self.scheme, self.token68, dict(self.params))


class _Parser:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.done: list[Challenge] = []
        self.current: _Draft | None = None

    def fail(self, message: str, line: str, column: int) -> None:
        if self.strict:
            raise ChallengeParseError(message, line, column)

    def finish(self) -> list[Challenge]:
        self._close()
        return self.done

    def _close(self) -> None:
        if self.current is not None:
            self.done.append(self.current.freeze())
            self.current = None

    # -- one header line -------------------------------------------------------------------------

    def line(self, s: str) -> None:
        pos = 0
        n = len(s)
        while True:
            pos = _skip(s, pos, _OWS + ",")  # OWS and empty list elements (RFC 9110 §5.6.1)
            if pos >= n:
                return
            try:
                pos = self._element(s, pos)
            except _Skip as skip:
                self.fail(skip.message, s, skip.column)
                pos = _next_comma(s, skip.column)

    def _element(self, s: str, pos: int) -> int:
        """Read one list element at `pos` (an auth-param, or a challenge start); return the end."""
        name = _TOKEN.match(s, pos)
        if name is None:
            raise _Skip("expected an auth-scheme or a parameter name", pos)
        after = _skip(s, name.end(), _OWS)
        if after < len(s) and s[after] == "=":
            # `name = value`: a parameter of the challenge being read
            if self.current is None:
                raise _Skip("a parameter before any auth-scheme", pos)
            if self.current.token68 is not None:
                raise _Skip("a parameter after a token68", pos)
            return self._param(s, name.group(0), after + 1, pos)
        # a new challenge: the scheme, then 1*SP, then a token68 or the first parameter
        self._close()
        self.current = _Draft(name.group(0))
        end = name.end()
        if end < len(s) and s[end] not in _OWS + ",":
            raise _Skip("unexpected character after the auth-scheme", end)
        pos = _skip(s, end, _OWS)
        if pos >= len(s) or s[pos] == ",":
            return pos
        if s[end] != " ":  # RFC 9110 asks for SP; a tab is accepted in lenient mode
            self.fail("expected a space after the auth-scheme", s, end)
        token68 = _TOKEN68.match(s, pos)
        if token68 is not None and _ends_element(s, token68.end()):
            param = _TOKEN.match(s, pos)
            # `abc=` ends the element: a token68 (a parameter would need a value after `=`)
            if param is None or not _looks_like_param(s, param.end()):
                self.current.token68 = token68.group(0)
                return _skip(s, token68.end(), _OWS)
        first = _TOKEN.match(s, pos)
        if first is None:
            raise _Skip("expected a token68 or a parameter", pos)
        eq = _skip(s, first.end(), _OWS)
        if eq >= len(s) or s[eq] != "=":
            raise _Skip("expected '=' after the parameter name", eq)
        return self._param(s, first.group(0), eq + 1, pos)

    def _param(self, s: str, name: str, pos: int, start: int) -> int:
        assert self.current is not None
        pos = _skip(s, pos, _OWS)
        if pos < len(s) and s[pos] == '"':
            value, pos = self._quoted(s, pos)
        else:
            token = _TOKEN.match(s, pos)
            if token is None:
                raise _Skip("expected a token or a quoted string after '='", pos)
            value, pos = token.group(0), token.end()
        key = name.lower()
        if key in self.current.params:
            self.fail(f"parameter {key!r} appears twice in one challenge", s, start)
        else:
            self.current.params[key] = value  # kept even if garbage follows: best effort
        pos = _skip(s, pos, _OWS)
        if pos < len(s) and s[pos] != ",":
            raise _Skip("expected ',' after the parameter value", pos)
        return pos

    def _quoted(self, s: str, pos: int) -> tuple[str, int]:
        """A quoted-string at `pos` (the opening quote): its unescaped text and the end."""
        out: list[str] = []
        i = pos + 1
        n = len(s)
        while i < n:
            c = s[i]
            if c == '"':
                return "".join(out), i + 1
            if c == "\\":
                if i + 1 >= n:
                    break
                c = s[i + 1]
                if not _is_qpair_char(c):
                    self.fail("an escaped control character", s, i)
                out.append(c)
                i += 2
                continue
            if not _is_qdtext(c):
                self.fail("a control character in a quoted string", s, i)
            out.append(c)
            i += 1
        self.fail("a quoted string is not closed", s, pos)
        return "".join(out), n


class _Skip(Exception):  # internal control flow: never leaves this module
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def _skip(s: str, pos: int, chars: str) -> int:
    while pos < len(s) and s[pos] in chars:
        pos += 1
    return pos


def _next_comma(s: str, pos: int) -> int:
    """Resume after garbage: the next comma outside a quoted string (or the end)."""
    in_quote = False
    i = pos
    while i < len(s):
        c = s[i]
        if in_quote and c == "\\":
            i += 2
            continue
        if c == '"':
            in_quote = not in_quote
        elif c == "," and not in_quote:
            return i
        i += 1
    return len(s)


def _ends_element(s: str, pos: int) -> bool:
    pos = _skip(s, pos, _OWS)
    return pos >= len(s) or s[pos] == ","


def _looks_like_param(s: str, pos: int) -> bool:
    """After a name: BWS `=` BWS and then a value (a token or a quoted string)."""
    pos = _skip(s, pos, _OWS)
    if pos >= len(s) or s[pos] != "=":
        return False
    pos = _skip(s, pos + 1, _OWS)
    return pos < len(s) and (s[pos] == '"' or s[pos] in _TOKEN_CHARS)


def _is_qdtext(c: str) -> bool:
    o = ord(c)
    return c in "\t " or o == 0x21 or 0x23 <= o <= 0x5B or 0x5D <= o <= 0x7E or 0x80 <= o <= 0xFF


def _is_qpair_char(c: str) -> bool:
    o = ord(c)
    return c in "\t " or 0x21 <= o <= 0x7E or 0x80 <= o <= 0xFF

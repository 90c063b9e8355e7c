"""Masking of secrets in everything that is recorded: headers, URLs, form, JSON and text bodies.

The one rule: a masked value keeps a short prefix and its length, so two values can still be told
apart, and nothing else. What is masked, wherever a server's words or ours may carry it:
- values the secret store has handed out (a second line of defence for fields nobody thought
  of), also URL-encoded (`%2B`, `+` for a space), JSON-escaped, and base64-encoded inside a
  longer value (`Basic base64(client_id:secret)`);
- token-shaped text: `name=value` pairs and JSON `"name": "value"` fields with a token, secret,
  code or assertion name (also in a snippet that is not valid JSON: a cut-off body, an anti-XSSI
  prefix), long opaque values after a token name, JWT-shaped strings (also cut-off ones),
  reference tokens (`enrt_`), `Basic` and `Bearer` credentials, and the user:password of a URL.
`mask_tokens` applies the rules that need no known value, for a snippet built where no
`Redactor` is at hand.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from tokenlab.core.json_text import JsonTextError, loads

# Body, query and JSON fields whose values are secrets or bearer credentials.
SENSITIVE_FIELDS = frozenset(
    {
        "client_secret",
        "client_assertion",
        "code_verifier",
        "password",
        "refresh_token",
        "access_token",
        "id_token",
        "id_token_hint",
        "device_code",
        "code",
        "token",
        "assertion",
        "subject_token",
        "actor_token",
        "secret",
    }
)
# In JSON, `code` is an API's business error code (`{message, code, type, info}`), never an
# authorization code: those travel only in forms, query strings and redirects.
SENSITIVE_JSON_FIELDS = SENSITIVE_FIELDS - {"code"}
# The one list of headers whose values are credentials: the trace, reports and copy-as-curl.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"}
)
# Names so specific that a long value after them is a credential whatever the separator.
_TOKEN_NAMES = sorted((n for n in SENSITIVE_FIELDS if "_" in n), key=len, reverse=True)


def _names(names: frozenset[str] | list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# The patterns are compiled on first use (~1.3 ms for all of them): a quiet run that gets its
# token masks nothing and never needs them.
# A JWT, or the start of one (a snippet may cut it off): base64url of a JSON object, `eyJ`.
_JWT = r"\beyJ[A-Za-z0-9_-]{10,}(?:\.[A-Za-z0-9_-]*){0,2}"
_REFERENCE_TOKEN = r"\benrt_[A-Za-z0-9_\-]{6,}"
_HTML_INPUT = (
    r"""(<input\b[^>]*\bname=["'](?P<name>[A-Za-z_]+)["'][^>]*\bvalue=["'])(?P<value>[^"']*)"""
)
_USERINFO = r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<value>[^/?#\s\"'<>`]+)(?=@)"
_AUTH_VALUE = r"\b(?P<head>(?:Basic|Bearer)\s+)(?P<value>[A-Za-z0-9._~+/-]+=*)"
_PAIR = rf"(?<![\w.-])(?P<head>(?:{_names(SENSITIVE_FIELDS)})=)(?P<value>[^\s&\"'<>#]+)"
_JSON_PAIR = (
    rf"(?P<head>\"(?:{_names(SENSITIVE_JSON_FIELDS)})\"\s*:\s*\")(?P<value>(?:[^\"\\]|\\.)+)"
)
_NAMED_TOKEN = (
    rf"\b(?P<head>(?:{_names(_TOKEN_NAMES)})\b[\"']?\s*[:=]?\s*[\"']?)"
    r"(?P<value>[A-Za-z0-9._~+/=-]{16,})"
)
_BASE64 = r"[A-Za-z0-9+/_-]{8,}={0,2}"


@functools.cache
def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# A cheap test first (plain substring searches): most header values and JSON strings hold
# none of these, and then no rule can match.
_TRIGGERS = (
    *("=", "@", '":', "eyJ", "enrt_"),
    *("_token", "_secret", "_assertion", "_verifier", "_code"),
    *("asic", "ASIC", "earer", "EARER"),
)


def mask(value: str) -> str:
    """`abcd…(40 chars)`: a short prefix and the length, never the whole value."""
    if not value:
        return value
    keep = min(4, len(value) // 4)
    return f"{value[:keep]}…({len(value)} chars)"


def _masked_value(match: re.Match[str]) -> str:
    """The match with its `value` group masked, unless it is masked already."""
    value = match.group("value")
    if "…" in value or "…" in match.string[match.end() : match.end() + 1]:
        return match.group(0)
    return match.group("head") + mask(value)


def _masked_credentials(match: re.Match[str]) -> str:
    """`Basic xxx` / `Bearer xxx` masked; a challenge (`Bearer realm="x"`) or plain words
    ("a Bearer token", "Basic authentication") are not credentials."""
    value = match.group("value")
    if (
        len(value) < 8
        or re.fullmatch(r"[A-Za-z_-]+=", value)  # an auth-param name: realm=, error=
        or re.fullmatch(r"[A-Za-z][a-z]+", value)  # a word
    ):
        return match.group(0)
    return _masked_value(match)


# The rules that need no known value, in order (a masked value is never masked again).
Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


@functools.cache
def _rules() -> tuple[Rule, ...]:
    return (
        (_compiled(_USERINFO), _masked_value),
        (_compiled(_AUTH_VALUE, re.I), _masked_credentials),
        (_compiled(_PAIR, re.I), _masked_value),
        (_compiled(_JSON_PAIR, re.I), _masked_value),
        (_compiled(_NAMED_TOKEN), _masked_value),
        (_compiled(_JWT), lambda m: mask(m.group(0))),
        (_compiled(_REFERENCE_TOKEN), lambda m: mask(m.group(0))),
    )


def mask_tokens(text: str) -> str:
    """Token-shaped text masked (see the module docstring): for any snippet of a server's body
    that may reach an error, an event or a report."""
    if not any(trigger in text for trigger in _TRIGGERS):
        return text
    for pattern, replace in _rules():
        text = pattern.sub(replace, text)
    return text


_PERCENT = r"%[0-9A-F]{2}"
# The characters that no URL or JSON encoding changes (urllib's always-safe set): every JWT and
# most secrets are made of them only. Scanned in C; quote() of a long token is slow.
_ENCODED_AS_ITSELF = re.compile(r"[A-Za-z0-9_.~-]*")


def encoded_forms(value: str) -> set[str]:
    """`value` as it may be echoed: raw, URL-encoded (path and form style), JSON-escaped.

    A value that is not valid Unicode (a lone surrogate a hostile server sent) cannot be
    URL-encoded or sent as UTF-8: its raw and JSON forms are what can show up."""
    if _ENCODED_AS_ITSELF.fullmatch(value):
        return {value}  # each encoding below would give the value itself
    forms = {value, json.dumps(value)[1:-1]}
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return forms
    return forms | {
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def _any_hex_case(form: str) -> str:
    """A pattern for `form` whose percent-escapes match in either case (`%2B` and `%2b`)."""
    return _compiled(_PERCENT).sub(
        lambda m: "%" + "".join(f"[{c}{c.lower()}]" for c in m.group(0)[1:]), re.escape(form)
    )


def base64_cores(needle: bytes) -> set[str]:
    """What base64 of any bytes holding `needle` must contain, whatever the offset: for each of
    the three alignments, the characters that only `needle`'s bits decide (standard and
    URL-safe alphabets). A cheap substring test before any decoding."""
    cores: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + needle + b"\0\0").decode()
        first = -(-shift * 8 // 6)  # the first character that starts inside the needle
        last = ((shift + len(needle)) * 8) // 6  # the first that ends after it
        core = encoded[first:last]
        cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def _decoded_base64(text: str) -> bytes:
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return b""


class Redactor:
    """Masks secrets in recorded data. Thread-safe; known values can be added at any time."""

    def __init__(self, known: tuple[str, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._forms: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        self._needles: tuple[bytes, ...] = ()
        self._cores: tuple[str, ...] = ()
        self._uncored: tuple[bytes, ...] = ()  # needles whose cores are not computed yet
        for value in known:
            self.add_known(value)

    def add_known(self, value: str) -> None:
        if len(value) < 4:  # shorter values would mask ordinary text everywhere
            return
        with self._lock:
            if value in self._known:
                return
            self._known.add(value)
            new = encoded_forms(value) - set(self._forms)  # only the new value's forms are work
            self._forms = tuple(sorted({*self._forms, *new}, key=len, reverse=True))
            self._pattern = None  # compiled on first need: a run that records nothing never pays
            needles = {f.encode("utf-8", "surrogatepass") for f in new} - set(self._needles)
            self._needles = (*self._needles, *needles)
            self._uncored = (*self._uncored, *needles)  # their base64 cores: on first need

    def _base64_cores(self) -> tuple[str, ...]:
        """What base64 of any known value contains (`base64_cores`), for the needles added
        since the last time: a run that masks nothing never computes them."""
        with self._lock:
            if self._uncored:
                cores = {c for n in self._uncored for c in base64_cores(n)} - set(self._cores)
                self._cores, self._uncored = (*self._cores, *cores), ()
            return self._cores

    def _known_pattern(self, forms: tuple[str, ...]) -> re.Pattern[str]:
        """One alternation of every known form (a token makes it long: ms to compile), built
        once per set of known values."""
        with self._lock:
            if self._pattern is None or forms is not self._forms:
                pattern = re.compile("|".join(_any_hex_case(f) for f in forms))
                if forms is self._forms:
                    self._pattern = pattern
                return pattern
            return self._pattern

    def _known_masked(self, text: str) -> str:
        with self._lock:
            forms = self._forms
        if not forms:
            return text
        if "%" in text or any(form in text for form in forms):
            text = self._known_pattern(forms).sub(lambda m: mask(m.group(0)), text)
        if not any(core in text for core in self._base64_cores()):
            return text
        with self._lock:
            needles = self._needles  # read after the cores: every core's value is among them

        def in_base64(m: re.Match[str]) -> str:  # e.g. base64("client_id:secret")
            decoded = _decoded_base64(m.group(0))
            return mask(m.group(0)) if any(n in decoded for n in needles) else m.group(0)

        return _compiled(_BASE64).sub(in_base64, text)

    def text(self, text: str) -> str:
        return mask_tokens(self._known_masked(text))

    def header(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower in ("authorization", "proxy-authorization"):
            scheme, _, credentials = value.partition(" ")
            return f"{scheme} {mask(credentials)}" if credentials else mask(value)
        if lower in SENSITIVE_HEADERS:
            return mask(value)
        if lower in ("location", "content-location", "referer"):
            return self.url(value)
        return self.text(value)

    def headers(self, items: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple((k, self.header(k, v)) for k, v in items)

    def url(self, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        query = self._form(parts.query) if parts.query else ""
        fragment = self._form(parts.fragment) if "=" in parts.fragment else parts.fragment
        netloc = parts.netloc
        if "@" in netloc:  # user:password@host
            creds, _, host = netloc.rpartition("@")
            netloc = f"{mask(creds)}@{host}"
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, fragment)))

    def _form(self, encoded: str) -> str:
        """Mask sensitive pairs; keep every other pair exactly as written (an OData `$filter`
        stays readable). Masked values stay unencoded: "abcd…(40 chars)" in a trace."""
        out = []
        for pair in encoded.split("&"):
            raw_key, sep, raw_value = pair.partition("=")
            key = unquote_plus(raw_key)
            if sep and key.lower() in SENSITIVE_FIELDS:
                out.append(f"{raw_key}={mask(unquote_plus(raw_value))}")
            else:
                out.append(pair)
        return "&".join(out)

    def json_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: mask(v)
                if isinstance(k, str) and k.lower() in SENSITIVE_JSON_FIELDS and isinstance(v, str)
                else self.json_value(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json_value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, content_type: str, raw: bytes) -> str:
        """A printable, masked rendering of a request or response body."""
        if not raw:
            return ""
        ctype = content_type.split(";")[0].strip().lower()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(raw)} bytes of binary data>"
        if ctype == "application/x-www-form-urlencoded":
            return self.text(self._form(text))
        if ctype.endswith("json") or (not ctype and text.lstrip()[:1] in ("{", "[")):
            try:
                return json.dumps(self.json_value(loads(text)), indent=2, ensure_ascii=False)
            except JsonTextError:  # not JSON, or hostile JSON: masked as text below
                pass
        if "html" in ctype:
            text = _compiled(_HTML_INPUT, re.IGNORECASE).sub(
                lambda m: (
                    m.group(1)
                    + (
                        mask(m.group("value"))
                        if m.group("name").lower() in SENSITIVE_FIELDS
                        else m.group("value")
                    )
                ),
                text,
            )
        return self.text(text)

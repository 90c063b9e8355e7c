"""Masking of secrets in everything that is recorded: headers, URLs, form, JSON and text bodies.

The one rule: a masked value keeps a short prefix and its length, so two values can still be told
apart, and nothing else. Values the secret store has handed out are also scrubbed wherever they
appear, as a second line of defence for fields nobody thought of.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"}
)

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_REFERENCE_TOKEN = re.compile(r"\benrt_[A-Za-z0-9_\-]{6,}")
_HTML_INPUT = re.compile(
    r"""(<input\b[^>]*\bname=["'](?P<name>[A-Za-z_]+)["'][^>]*\bvalue=["'])(?P<value>[^"']*)""",
    re.IGNORECASE,
)


def mask(value: str) -> str:
    """`abcd…(40 chars)`: a short prefix and the length, never the whole value."""
    if not value:
        return value
    keep = min(4, len(value) // 4)
    return f"{value[:keep]}…({len(value)} chars)"


class Redactor:
    """Masks secrets in recorded data. Thread-safe; known values can be added at any time."""

    def __init__(self, known: tuple[str, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = {v for v in known if len(v) >= 4}

    def add_known(self, value: str) -> None:
        if len(value) >= 4:  # shorter values would mask ordinary text everywhere
            with self._lock:
                self._known.add(value)

    def text(self, text: str) -> str:
        with self._lock:
            known = sorted(self._known, key=len, reverse=True)
        for value in known:
            if value in text:
                text = text.replace(value, mask(value))
        text = _JWT.sub(lambda m: mask(m.group(0)), text)
        return _REFERENCE_TOKEN.sub(lambda m: mask(m.group(0)), text)

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
                return json.dumps(self.json_value(json.loads(text)), indent=2, ensure_ascii=False)
            except ValueError:
                pass
        if "html" in ctype:
            text = _HTML_INPUT.sub(
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

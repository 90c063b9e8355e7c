"""Credentials never belong in a profile URL: a user name or password (`https://user:pass@host`),
or a secret-looking query parameter (`?client_secret=...`). Profiles are plain files that are
shown, exported and shared; secrets live in the keyring.

What is refused is said without the secret: the URL is shown through `Redactor.url`, and
without its query, so no value of any parameter is repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tokenlab.core.redact import Redactor

# Query parameters whose values are secrets (lower case); matched whole, never as a prefix.
SECRET_QUERY_KEYS = frozenset(
    {
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "assertion",
        "client_assertion",
    }
)
# scheme://userinfo@...: an "@" before the first "/", "?" or "#" after the scheme's "//"
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@")


@dataclass(frozen=True)
class UrlCredentials:
    """What a URL carries that it must not: `problem` in words, `shown` the URL safe to print,
    `clean` the same URL without them (an example of what to write instead, "" if unknown)."""

    problem: str
    shown: str
    clean: str


def _without_credentials(value: str) -> tuple[str, str]:
    """(the URL masked and without its query, the URL without userinfo and query)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return "(not shown: it holds credentials)", ""
    host = parts.netloc.rpartition("@")[2]
    shown_query = "…" if parts.query else ""
    shown = Redactor().url(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
    if shown_query:
        shown = f"{shown}?{shown_query}"
    clean = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return shown, clean


def secret_query_keys(value: str) -> tuple[str, ...]:
    try:
        query = urlsplit(value).query
    except ValueError:
        query = value.partition("?")[2].partition("#")[0]
    pairs = parse_qsl(query, keep_blank_values=True)
    return tuple(dict.fromkeys(k for k, _ in pairs if k.strip().lower() in SECRET_QUERY_KEYS))


def url_credentials(value: str) -> UrlCredentials | None:
    """What credentials `value` carries, or None when it carries none."""
    has_userinfo = bool(_USERINFO.match(value.strip()))
    keys = secret_query_keys(value)
    if not has_userinfo and not keys:
        return None
    shown, clean = _without_credentials(value)
    if has_userinfo:
        problem = "has a user name or password in it"
    else:
        problem = f"carries a secret in its query ({', '.join(keys)})"
    return UrlCredentials(problem, shown, clean)

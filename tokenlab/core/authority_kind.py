"""Which kind of authority a URL or an `iss` is: the instance's, a global one, or other.

A leaf module (no HTTP, no discovery): inspection classifies every token's issuer with it.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

AuthorityKind = Literal["instance", "global", "other"]

# Patterns (fnmatch) of global authorities: the platform's, and the sandbox's stand-in for it.
DEFAULT_GLOBAL_AUTHORITIES: tuple[str, ...] = (
    "https://id.erp.net/id",
    "http://127.0.0.1:*/global/id",
    "http://localhost:*/global/id",
)


@lru_cache(maxsize=256)  # the same few issuers, once per token: fnmatch is the cost
def classify(
    authority: str, global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES
) -> AuthorityKind:
    """`global` for a configured global authority, `instance` for `{host}/id`, else `other`."""
    normal = authority.rstrip("/").lower()
    if any(fnmatch.fnmatchcase(normal, g.rstrip("/").lower()) for g in global_authorities):
        return "global"
    try:
        path = urlsplit(normal).path
    except ValueError:  # an `iss` read from an untrusted token can be anything
        return "other"
    return "instance" if path.rstrip("/").endswith("/id") else "other"

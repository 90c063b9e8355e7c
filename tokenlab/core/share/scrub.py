"""The walk over a report that removes what a support ticket must not hold.

Applied to every string of the (already masked) report, in this order:
- personal values the run saw (a claim set's `sub`, `email`, `name`, ...) wherever they appear,
  e-mail addresses, user names in URLs (`?username=`, `/users/NAME`) and in home-directory
  paths (`/home/NAME/`, `C:\\Users\\NAME\\`): a stable short hash;
- a JWT: its signature dropped and its payload's personal claims hashed
  (`header.payload.<dropped>`);
- a masked secret or token (`abcd…(40 chars)`): only its length is kept.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from tokenlab.core.share.pseudonyms import Pseudonyms

# Personal claims, and the kind their pseudonym names.
PERSONAL_CLAIMS = {
    "sub": "sub",
    "email": "email",
    "name": "name",
    "given_name": "name",
    "family_name": "name",
    "nickname": "name",
    "preferred_username": "user",
    "unique_name": "user",
    "upn": "user",
    "username": "user",
    "owner": "user",
    "login_hint": "user",
    "client_system_user": "user",
    "client_system_user_id": "user",
    "oid": "oid",
    "id": "id",
}
USER_QUERY = re.compile(
    r"(?P<head>[?&](?:user(?:_?name|_?id)?|login(?:_hint)?|e-?mail|upn|name)=)"
    r"(?P<value>[^&#\s\"'<>]+)",
    re.IGNORECASE,
)
USER_PATH = re.compile(
    r"(?P<head>/(?:users?|people|persons?|members?|employees?)/)(?P<value>[^/?#\s\"'<>]+)",
    re.IGNORECASE,
)
HOME_PATH = re.compile(  # a file path in a home directory names its user: /home/NAME/...
    r"(?P<head>(?:^|(?<=[\s\"'=(]))(?:/home/|/var/home/|[A-Za-z]:\\Users\\))(?P<value>[^/\\\s\"'<>]+)"
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
MASKED = re.compile(r"[^\s\"'`(){}\[\]<>|,;=…]{0,8}…\((\d+) chars\)")
DROPPED = "<dropped>"
MIN_ANYWHERE = 3  # shorter personal values are replaced in claim sets only (not in any text)


class Scrubber:
    def __init__(self, pseudonyms: Pseudonyms, keep: frozenset[str] = frozenset()) -> None:
        self.names = pseudonyms
        self.keep = keep  # what support needs even where it is also a subject (a client id)
        self.known: dict[str, str] = {}  # personal value -> kind
        self._pattern: re.Pattern[str] | None = None

    # -- what is personal --------------------------------------------------------------------

    def learn(self, claims: Mapping[str, Any]) -> None:
        """The personal values of one claim set (a token's, userinfo's, introspection's)."""
        for name, kind in PERSONAL_CLAIMS.items():
            value = claims.get(name)
            usable = isinstance(value, (str, int)) and not isinstance(value, bool)
            if usable and str(value) and str(value) not in self.keep:
                self.known.setdefault(str(value), kind)
        self._pattern = None

    def _known_pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            values = sorted(
                (v for v in self.known if len(v) >= MIN_ANYWHERE), key=len, reverse=True
            )
            if values:  # whole words only: a short id must not eat a part of a longer word
                alternatives = "|".join(re.escape(v) for v in values)
                self._pattern = re.compile(rf"(?<![\w.@-])(?:{alternatives})(?![\w@-])")
        return self._pattern

    # -- the walk ----------------------------------------------------------------------------

    def claims(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """A claim set: personal claims hashed whatever their length, the rest scrubbed."""
        out: dict[str, Any] = {}
        for name, value in claims.items():
            kind = PERSONAL_CLAIMS.get(name)
            if kind and isinstance(value, (str, int)) and not isinstance(value, bool):
                kept = str(value) in self.keep
                out[name] = value if kept else self.names.of(kind, str(value))
            else:
                out[name] = self.value(value)
        return out

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def text(self, text: str) -> str:
        text = JWT.sub(lambda m: self.unsigned(m.group(0)), text)
        text = MASKED.sub(lambda m: f"…({m.group(1)} chars, removed)", text)
        pattern = self._known_pattern()
        if pattern is not None:
            text = pattern.sub(lambda m: self.names.of(self.known[m.group(0)], m.group(0)), text)
        text = USER_QUERY.sub(lambda m: m.group("head") + self._user(m.group("value")), text)
        text = USER_PATH.sub(lambda m: m.group("head") + self._user(m.group("value")), text)
        text = HOME_PATH.sub(lambda m: m.group("head") + self._user(m.group("value")), text)
        return EMAIL.sub(lambda m: self._pseudonym("email", m.group(0)), text)

    def _pseudonym(self, kind: str, value: str) -> str:
        return value if self.names.is_pseudonym(value) else self.names.of(kind, value)

    def _user(self, value: str) -> str:
        if self.names.is_pseudonym(value) or value in self.keep:
            return value
        return self.names.of(self.known.get(value, "user"), value)

    def unsigned(self, token: str) -> str:
        """`header.payload.<dropped>`, the payload's personal claims hashed (unreadable parts:
        only the header is kept)."""
        head, _, rest = token.partition(".")
        payload = rest.partition(".")[0]
        claims = _b64_json(payload)
        if claims is None:
            return f"{head}.{DROPPED}.{DROPPED}"
        self.learn(claims)
        scrubbed = json.dumps(self.claims(claims), separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(scrubbed).rstrip(b"=").decode()
        return f"{head}.{body}.{DROPPED}"


def _b64_json(part: str) -> dict[str, Any] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None

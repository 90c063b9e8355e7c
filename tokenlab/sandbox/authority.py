"""One identity service (the instance's ``/id`` or the global authority): its keys and state."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from .config import Clock, Settings
from .grants import Session, Store
from .keys import SigningKey
from .registrations import ReferenceToken, TrustedApplication, User

PROTOCOL_SCOPES = ("openid", "profile", "offline_access")
SESSION_COOKIE = "idsrv.session"


@dataclass
class Authority:
    prefix: str  # "/id" or "/global/id"
    key: SigningKey
    apps: dict[str, TrustedApplication]
    users: dict[str, User]
    settings: Settings
    clock: Clock
    base_url: str = ""  # set once the server is bound
    store: Store = field(default_factory=Store)
    reference_tokens: dict[str, ReferenceToken] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.base_url}{self.prefix}"

    @property
    def cookie_name(self) -> str:
        return SESSION_COOKIE if self.prefix == "/id" else f"{SESSION_COOKIE}.global"

    def url(self, path: str) -> str:
        return f"{self.issuer}{path}"

    def now(self) -> float:
        return self.clock()

    def app(self, client_id: str | None) -> TrustedApplication | None:
        return self.apps.get(client_id or "")

    def session(self, cookies: dict[str, str]) -> Session | None:
        sid = cookies.get(self.cookie_name)
        session = self.store.sessions.get(sid or "")
        if session is None or session.expires_at <= self.now():
            return None
        return session

    def reference_token(self, token: str) -> ReferenceToken | None:
        """A live (not revoked, not expired) reference token."""
        ref = self.reference_tokens.get(token)
        if ref is None or ref.revoked:
            return None
        if ref.expires_at is not None and ref.expires_at <= self.now():
            return None
        return ref

    def check_password(self, username: str, password: str) -> User | None:
        user = self.users.get(username.strip())
        if user is None or not _same(user.password, password):
            return None
        return user


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())

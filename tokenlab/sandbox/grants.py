"""In-memory state of an identity service: sessions, codes, refresh tokens, device grants."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .registrations import User


def new_handle(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


@dataclass
class Session:
    sid: str
    user: User
    auth_time: int
    expires_at: float


@dataclass
class PendingAuthorization:
    """An authorize request waiting for the user to sign in."""

    request_id: str
    client_id: str
    redirect_uri: str
    response_type: str
    response_mode: str
    scopes: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt_login: bool
    created_at: float
    signed_in_sid: str | None = None


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    nonce: str | None
    code_challenge: str
    sid: str
    user: User
    auth_time: int
    expires_at: float
    used: bool = False
    family: str | None = None  # refresh family issued from this code (revoked on reuse)


@dataclass
class RefreshGrant:
    token: str
    family: str
    client_id: str
    scopes: list[str]
    user: User
    sid: str
    auth_time: int
    expires_at: float
    consumed: bool = False


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    scopes: list[str]
    expires_at: float
    interval: int
    status: str = "pending"  # pending | approved | denied
    user: User | None = None
    sid: str | None = None
    auth_time: int = 0
    last_poll: float | None = None


USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def new_user_code() -> str:
    chars = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalize_user_code(value: str) -> str:
    raw = "".join(ch for ch in value.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


@dataclass
class Store:
    sessions: dict[str, Session] = field(default_factory=dict)
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)
    devices: dict[str, DeviceGrant] = field(default_factory=dict)
    user_codes: dict[str, str] = field(default_factory=dict)
    used_assertions: dict[str, float] = field(default_factory=dict)

    def revoke_family(self, family: str) -> None:
        self.revoked_families.add(family)
        for grant in self.refresh.values():
            if grant.family == family:
                grant.consumed = True

    def live_refresh(self, token: str, now: float) -> RefreshGrant | None:
        grant = self.refresh.get(token)
        if grant is None or grant.consumed or grant.expires_at <= now:
            return None
        if grant.family in self.revoked_families:
            return None
        return grant

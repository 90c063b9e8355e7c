"""Trusted Applications, users, reference tokens and permissions of the sandbox instance.

Every secret here is a public demo value: printed by ``tokenlab sandbox`` and safe to show.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any, Literal

ClientType = Literal["Confidential", "Public", "None"]


def hash_secret(secret: str) -> str:
    """How the platform stores a client secret: ``base64(sha256(secret))``."""
    return base64.b64encode(hashlib.sha256(secret.encode()).digest()).decode()


@dataclass
class TrustedApplication:
    """A client registration inside the instance (the platform's Trusted Application)."""

    application_uri: str  # the OAuth client_id
    name: str = ""
    is_enabled: bool = True
    client_type: ClientType = "Confidential"
    secret_hash: str | None = None
    impersonate_internal_user_allowed: bool = False
    system_user_allowed: bool = False
    system_user: str | None = None
    login_urls: str = ""  # comma-separated redirect URIs, exact and case-sensitive
    scope: str = "read update"  # space-delimited allowed scopes
    public_key: str | dict[str, Any] | None = None  # PEM or JWK, for private_key_jwt
    device_flow_allowed: bool = False
    logout_urls: str = ""  # comma-separated post-logout redirect URIs

    @property
    def client_id(self) -> str:
        return self.application_uri

    @property
    def redirect_uris(self) -> list[str]:
        return [u.strip() for u in self.login_urls.split(",") if u.strip()]

    @property
    def post_logout_uris(self) -> list[str]:
        return [u.strip() for u in f"{self.logout_urls},{self.login_urls}".split(",") if u.strip()]

    @property
    def allowed_scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def is_public(self) -> bool:
        return self.client_type == "Public"


@dataclass(frozen=True)
class User:
    username: str
    password: str
    id: str
    name: str
    email: str
    user_type: str = "Internal"
    is_admin: bool = False
    locale: str = "en"


@dataclass
class ReferenceToken:
    """A personal or service reference token (``enrt_...``): opaque, looked up, revocable."""

    token: str
    owner: str  # a user name
    scopes: tuple[str, ...] = ("read", "update")
    expires_at: float | None = None
    revoked: bool = False


DEMO_USER = User(
    username="demo",
    password="demo-password",
    id="1f0e6d5c-4b3a-4291-8a7f-6e5d4c3b2a19",
    name="Demo User",
    email="demo@sandbox.invalid",
)

DEMO_REFERENCE_TOKEN = "enrt_sandbox_demo_valid_5f3c9a1e2b7d4c60"
DEMO_REVOKED_REFERENCE_TOKEN = "enrt_sandbox_demo_revoked_8e2b6d0a9c14f735"

_VENDOR = "com.tokenlab.demo"
SERVICE_APP = f"{_VENDOR}/service-app"
WEB_APP = f"{_VENDOR}/web-app"
SPA = f"{_VENDOR}/spa"
PORTAL = f"{_VENDOR}/portal"
DISABLED_APP = f"{_VENDOR}/disabled"
NO_SYSTEM_USER_APP = f"{_VENDOR}/no-system-user"
READ_ONLY_APP = f"{_VENDOR}/read-only"
REDIRECT_MISMATCH_APP = f"{_VENDOR}/spa-redirect-mismatch"
DEVICE_APP = f"{_VENDOR}/device"
GLOBAL_APP = f"{_VENDOR}/global-signin"
NO_PERMISSION_APP = f"{_VENDOR}/no-permission"
NO_PERMISSION_USER = "sandbox-no-permission"
ADMIN_APP = f"{_VENDOR}/admin"
ADMIN_USER = "sandbox-admin"  # the system user allowed to read the Trusted Applications

DEMO_SECRETS: dict[str, str] = {
    SERVICE_APP: "demo-service-secret",
    WEB_APP: "demo-web-secret",
    PORTAL: "demo-portal-secret",
    DISABLED_APP: "demo-disabled-secret",
    NO_SYSTEM_USER_APP: "demo-no-system-user-secret",
    READ_ONLY_APP: "demo-read-only-secret",
    GLOBAL_APP: "demo-global-secret",
    NO_PERMISSION_APP: "demo-no-permission-secret",
    ADMIN_APP: "demo-admin-secret",
}

LOOPBACK = "http://127.0.0.1/callback,http://localhost/callback"


def default_apps() -> list[TrustedApplication]:
    """The instance's registrations behind the demo catalog (fresh objects each call)."""

    def secret(client_id: str) -> str:
        return hash_secret(DEMO_SECRETS[client_id])

    return [
        TrustedApplication(
            SERVICE_APP,
            "Demo service application",
            secret_hash=secret(SERVICE_APP),
            system_user_allowed=True,
            system_user="sandbox-service",
        ),
        TrustedApplication(
            WEB_APP,
            "Demo web application",
            secret_hash=secret(WEB_APP),
            impersonate_internal_user_allowed=True,
            login_urls=LOOPBACK,
            device_flow_allowed=True,  # so `tokenlab token --device` works in the demo (no browser)
        ),
        TrustedApplication(
            SPA,
            "Demo single-page application",
            client_type="Public",
            impersonate_internal_user_allowed=True,
            login_urls=LOOPBACK,
            device_flow_allowed=True,
        ),
        TrustedApplication(
            PORTAL,
            "Demo web portal",
            secret_hash=secret(PORTAL),
            impersonate_internal_user_allowed=True,
            system_user_allowed=True,
            system_user="sandbox-portal",
            login_urls=LOOPBACK,
        ),
        TrustedApplication(
            DISABLED_APP,
            "Disabled application",
            is_enabled=False,
            secret_hash=secret(DISABLED_APP),
            system_user_allowed=True,
            system_user="sandbox-service",
        ),
        TrustedApplication(
            NO_SYSTEM_USER_APP,
            "Service application without a system user",
            secret_hash=secret(NO_SYSTEM_USER_APP),
        ),
        TrustedApplication(
            READ_ONLY_APP,
            "Service application allowed read only",
            secret_hash=secret(READ_ONLY_APP),
            system_user_allowed=True,
            system_user="sandbox-reader",
            scope="read",
        ),
        TrustedApplication(
            REDIRECT_MISMATCH_APP,
            "SPA registered with a redirect URI that differs by case",
            client_type="Public",
            impersonate_internal_user_allowed=True,
            login_urls="http://127.0.0.1/Callback",
        ),
        TrustedApplication(
            NO_PERMISSION_APP,
            "Service application whose system user may not read customers",
            secret_hash=secret(NO_PERMISSION_APP),
            system_user_allowed=True,
            system_user=NO_PERMISSION_USER,
        ),
        TrustedApplication(
            ADMIN_APP,
            "Administration service: its system user may read the Trusted Applications",
            secret_hash=secret(ADMIN_APP),
            system_user_allowed=True,
            system_user=ADMIN_USER,
            scope="read",
        ),
        TrustedApplication(
            DEVICE_APP,
            "Demo device (input-constrained) client",
            client_type="Public",
            impersonate_internal_user_allowed=True,
            device_flow_allowed=True,
        ),
    ]


def registration_row(app: TrustedApplication, row_id: str) -> dict[str, Any]:
    """A Trusted Application as the Domain API shows it, in the platform's field names
    (the secret only in its stored form, as the instance keeps it)."""
    return {
        "Id": row_id,
        "ApplicationUri": app.application_uri,
        "Name": app.name,
        "IsEnabled": app.is_enabled,
        "ClientType": app.client_type,
        "ClientSecretHash": app.secret_hash,
        "SystemUserAllowed": app.system_user_allowed,
        "SystemUser": app.system_user,
        "ImpersonateAsInternalUserAllowed": app.impersonate_internal_user_allowed,
        "ImpersonateAsCommunityUserAllowed": False,
        "ImpersonateLoginUrl": app.login_urls,
        "Scope": app.scope,
    }


def global_apps() -> list[TrustedApplication]:
    """Registrations at the global authority (sign-in only)."""
    return [
        TrustedApplication(
            GLOBAL_APP,
            "Sign-in client at the global authority",
            secret_hash=hash_secret(DEMO_SECRETS[GLOBAL_APP]),
            impersonate_internal_user_allowed=True,
            system_user_allowed=True,
            system_user="global-signin",
            login_urls=LOOPBACK,
        )
    ]


def default_denials() -> dict[str, frozenset[str]]:
    """Users and system users without a right on an entity set (the instance's permissions)."""
    return {NO_PERMISSION_USER: frozenset({"Crm_Sales_Customers"})}


def default_reference_tokens() -> list[ReferenceToken]:
    return [
        ReferenceToken(DEMO_REFERENCE_TOKEN, owner=DEMO_USER.username),
        ReferenceToken(DEMO_REVOKED_REFERENCE_TOKEN, owner=DEMO_USER.username, revoked=True),
    ]

"""``/connect/token`` (all grants) and ``/connect/deviceauthorization``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from .authority import PROTOCOL_SCOPES, Authority
from .clients import OAuthError, authenticate_client, invalid_client
from .grants import DeviceGrant, RefreshGrant, Session, new_handle, new_user_code
from .keys import b64url
from .registrations import TrustedApplication
from .server import Handler, Request, Response, json_response
from .tokens import id_token, service_access_token, user_access_token

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")

Grant = Callable[[TrustedApplication, dict[str, str]], dict[str, Any]]


def _check_scopes(app: TrustedApplication, scopes: list[str], *, protocol_ok: bool) -> None:
    for scope in scopes:
        if scope in PROTOCOL_SCOPES:
            if protocol_ok:
                continue
            raise OAuthError(
                "invalid_scope", f"scope '{scope}' is not available with client_credentials"
            )
        if scope not in app.allowed_scopes:
            raise OAuthError(
                "invalid_scope", f"scope '{scope}' is not allowed for client '{app.client_id}'"
            )


class TokenEndpoint:
    def __init__(self, authority: Authority) -> None:
        self.a = authority
        self.grants: dict[str, Grant] = {
            "client_credentials": self.client_credentials,
            "authorization_code": self.authorization_code,
            "refresh_token": self.refresh_token,
            DEVICE_GRANT: self.device_code,
        }

    def routes(self) -> list[tuple[str, Handler]]:
        return [
            (f"{self.a.prefix}/connect/token", self.token),
            (f"{self.a.prefix}/connect/deviceauthorization", self.device_authorization),
        ]

    async def token(self, request: Request) -> Response:
        try:
            _require_form_post(request)
            app = authenticate_client(self.a, request)
            form = request.form
            grant_type = form.get("grant_type", "")
            if not grant_type:
                raise OAuthError("invalid_request", "grant_type is missing")
            grant = self.grants.get(grant_type)
            if grant is None:
                raise OAuthError(
                    "unsupported_grant_type", f"grant_type '{grant_type}' is not supported"
                )
            return json_response(grant(app, form))
        except OAuthError as err:
            return err.response()

    # -- grants ------------------------------------------------------------------------------

    def client_credentials(self, app: TrustedApplication, form: dict[str, str]) -> dict[str, Any]:
        if app.is_public:
            raise invalid_client("client_credentials needs a Confidential client")
        if not app.system_user_allowed or not app.system_user:
            raise OAuthError(
                "unauthorized_client",
                f"client_credentials needs SystemUserAllowed and a SystemUser on '{app.client_id}'",
            )
        requested = form.get("scope", "").split()
        _check_scopes(app, requested, protocol_ok=False)
        scopes = requested or app.allowed_scopes
        return self._bearer(service_access_token(self.a, app, scopes), scopes)

    def authorization_code(self, app: TrustedApplication, form: dict[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        if not code:
            raise OAuthError("invalid_request", "code is missing")
        entry = self.a.store.codes.get(code)
        if entry is None or entry.client_id != app.client_id:
            raise OAuthError("invalid_grant", "authorization code is unknown or for another client")
        if entry.used:
            if entry.family:
                self.a.store.revoke_family(entry.family)
            raise OAuthError("invalid_grant", "authorization code was already used")
        entry.used = True
        if entry.expires_at <= self.a.now():
            raise OAuthError("invalid_grant", "authorization code expired")
        if form.get("redirect_uri", "") != entry.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request")
        verifier = form.get("code_verifier", "")
        if not verifier:
            raise OAuthError("invalid_grant", "code_verifier is missing (PKCE)")
        if not _VERIFIER.match(verifier):
            raise OAuthError("invalid_grant", "code_verifier must be 43-128 unreserved characters")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != entry.code_challenge:
            raise OAuthError("invalid_grant", "PKCE verification failed: code_verifier mismatch")
        session = Session(entry.sid, entry.user, entry.auth_time, 0)
        result, family = self._user_tokens(app, entry.scopes, session, entry.nonce, None)
        entry.family = family
        return result

    def refresh_token(self, app: TrustedApplication, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        if not token:
            raise OAuthError("invalid_request", "refresh_token is missing")
        store = self.a.store
        grant = store.refresh.get(token)
        if grant is None or grant.client_id != app.client_id:
            raise OAuthError("invalid_grant", "refresh token is unknown or for another client")
        if grant.family in store.revoked_families:
            raise OAuthError("invalid_grant", "refresh token was revoked")
        if grant.consumed:
            store.revoke_family(grant.family)
            raise OAuthError(
                "invalid_grant", "refresh token was already used (rotated); the grant is revoked"
            )
        if grant.expires_at <= self.a.now():
            raise OAuthError("invalid_grant", "refresh token expired")
        requested = form.get("scope", "").split()
        for scope in requested:
            if scope not in grant.scopes:
                raise OAuthError("invalid_scope", f"scope '{scope}' was not part of the grant")
        grant.consumed = True
        session = Session(grant.sid, grant.user, grant.auth_time, 0)
        scopes = requested or grant.scopes
        if "offline_access" not in scopes:
            scopes = [*scopes, "offline_access"]
        result, _ = self._user_tokens(app, scopes, session, None, grant.family)
        return result

    def device_code(self, app: TrustedApplication, form: dict[str, str]) -> dict[str, Any]:
        device_code = form.get("device_code", "")
        if not device_code:
            raise OAuthError("invalid_request", "device_code is missing")
        store = self.a.store
        grant = store.devices.get(device_code)
        if grant is None or grant.client_id != app.client_id:
            raise OAuthError("invalid_grant", "device_code is unknown or for another client")
        now = self.a.now()
        if grant.expires_at <= now:
            raise OAuthError("expired_token", "the device code expired; start again")
        if grant.status == "denied":
            self._forget_device(grant)
            raise OAuthError("access_denied", "the user denied the request")
        if grant.status == "approved" and grant.user is not None:
            self._forget_device(grant)
            session = Session(grant.sid or "", grant.user, grant.auth_time, 0)
            result, _ = self._user_tokens(app, grant.scopes, session, None, None)
            return result
        too_fast = grant.last_poll is not None and now - grant.last_poll < grant.interval
        grant.last_poll = now
        if too_fast:
            raise OAuthError("slow_down", f"poll at most every {grant.interval} s")
        raise OAuthError("authorization_pending", "the user has not approved the request yet")

    def _forget_device(self, grant: DeviceGrant) -> None:
        self.a.store.devices.pop(grant.device_code, None)
        self.a.store.user_codes.pop(grant.user_code, None)

    def _user_tokens(
        self,
        app: TrustedApplication,
        scopes: list[str],
        session: Session,
        nonce: str | None,
        family: str | None,
    ) -> tuple[dict[str, Any], str | None]:
        refresh = "offline_access" in scopes and not app.is_public
        if not refresh:
            scopes = [s for s in scopes if s != "offline_access"]
        access = user_access_token(self.a, app.client_id, scopes, session)
        result = self._bearer(access, scopes)
        if "openid" in scopes:
            result["id_token"] = id_token(
                self.a, app.client_id, session, scopes, nonce=nonce, access_token=access
            )
        if refresh:
            family = family or new_handle(12)
            result["refresh_token"] = self._new_refresh(app, scopes, session, family)
        return result, family if refresh else None

    def _bearer(self, access_token: str, scopes: list[str]) -> dict[str, Any]:
        return {
            "access_token": access_token,
            "expires_in": self.a.settings.access_token_ttl,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }

    def _new_refresh(
        self, app: TrustedApplication, scopes: list[str], session: Session, family: str
    ) -> str:
        token = new_handle()
        ttl = self.a.settings.refresh_token_ttl
        self.a.store.refresh[token] = RefreshGrant(
            token,
            family,
            app.client_id,
            scopes,
            session.user,
            session.sid,
            session.auth_time,
            self.a.now() + ttl,
        )
        return token

    # -- device authorization ----------------------------------------------------------------

    async def device_authorization(self, request: Request) -> Response:
        try:
            _require_form_post(request)
            app = authenticate_client(self.a, request)
            if not app.device_flow_allowed:
                raise OAuthError(
                    "unauthorized_client", f"the device flow is not enabled for '{app.client_id}'"
                )
            requested = request.form.get("scope", "").split()
            _check_scopes(app, requested, protocol_ok=True)
            scopes = requested or app.allowed_scopes
        except OAuthError as err:
            return err.response()
        store = self.a.store
        user_code = new_user_code()
        while user_code in store.user_codes:
            user_code = new_user_code()
        settings = self.a.settings
        grant = DeviceGrant(
            device_code=new_handle(),
            user_code=user_code,
            client_id=app.client_id,
            scopes=scopes,
            expires_at=self.a.now() + settings.device_code_ttl,
            interval=settings.device_interval,
        )
        store.devices[grant.device_code] = grant
        store.user_codes[user_code] = grant.device_code
        return json_response(
            {
                "device_code": grant.device_code,
                "user_code": user_code,
                "verification_uri": self.a.url("/device"),
                "verification_uri_complete": self.a.url(f"/device?userCode={user_code}"),
                "expires_in": settings.device_code_ttl,
                "interval": settings.device_interval,
            }
        )


def _require_form_post(request: Request) -> None:
    if request.method != "POST":
        raise OAuthError("invalid_request", "use POST")
    ctype = request.headers.get("content-type", "").lower()
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded")

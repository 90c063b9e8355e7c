"""An identity service: discovery, JWKS, userinfo, revocation, introspection, endsession."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import jwt

from . import pages
from .authority import PROTOCOL_SCOPES, Authority
from .authorize import Interactive, redirect_uri_registered
from .clients import OAuthError, authenticate_client, invalid_client
from .server import Handler, Request, Response, html_response, json_response, redirect
from .token_endpoint import DEVICE_GRANT, TokenEndpoint
from .tokens import InvalidToken, bearer_error, bearer_token, check_access_token, user_claims


class IdentityService:
    """All routes of one authority under its prefix."""

    def __init__(self, authority: Authority) -> None:
        self.a = authority
        self.interactive = Interactive(authority)
        self.token_endpoint = TokenEndpoint(authority)

    def routes(self) -> list[tuple[str, Handler]]:
        p = self.a.prefix
        return [
            (f"{p}/.well-known/openid-configuration", self.discovery),
            (f"{p}/.well-known/openid-configuration/jwks", self.jwks),
            (f"{p}/connect/userinfo", self.userinfo),
            (f"{p}/connect/revocation", self.revocation),
            (f"{p}/connect/introspect", self.introspection),
            (f"{p}/connect/endsession", self.endsession),
            *self.interactive.routes(),
            *self.token_endpoint.routes(),
        ]

    async def discovery(self, request: Request) -> Response:
        url = self.a.url
        doc: dict[str, Any] = {
            "issuer": self.a.issuer,
            "jwks_uri": url("/.well-known/openid-configuration/jwks"),
            "authorization_endpoint": url("/connect/authorize"),
            "token_endpoint": url("/connect/token"),
            "userinfo_endpoint": url("/connect/userinfo"),
            "end_session_endpoint": url("/connect/endsession"),
            "revocation_endpoint": url("/connect/revocation"),
            "introspection_endpoint": url("/connect/introspect"),
            "device_authorization_endpoint": url("/connect/deviceauthorization"),
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
            "scopes_supported": [*PROTOCOL_SCOPES, "read", "update"],
            "claims_supported": [
                "sub",
                "name",
                "email",
                "email_verified",
                "locale",
                "id",
                "user_type",
                "is_admin",
                "db",
                "auth_time",
                "sid",
            ],
            "grant_types_supported": [
                "authorization_code",
                "client_credentials",
                "refresh_token",
                DEVICE_GRANT,
            ],
            "response_types_supported": ["code", "code id_token"],
            "response_modes_supported": ["form_post", "query", "fragment"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "code_challenge_methods_supported": ["S256"],
            "request_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }
        return json_response(doc, cache=self.a.settings.discovery_max_age)

    async def jwks(self, request: Request) -> Response:
        return json_response({"keys": [self.a.key.jwk]}, cache=self.a.settings.discovery_max_age)

    async def userinfo(self, request: Request) -> Response:
        token = bearer_token(request)
        if token is None:
            return bearer_error(401, None)
        try:
            claims = check_access_token(self.a, token)
        except InvalidToken as err:
            return bearer_error(401, "invalid_token", str(err))
        scopes = claims.get("scope", [])
        if "openid" not in scopes or "sub" not in claims:
            return bearer_error(
                403, "insufficient_scope", "userinfo needs a user token with openid"
            )
        user = next((u for u in self.a.users.values() if u.id == claims["sub"]), None)
        info: dict[str, Any] = {"sub": claims["sub"]}
        if user is not None and "profile" in scopes:
            info.update(user_claims(self.a, user))
        return json_response(info)

    async def revocation(self, request: Request) -> Response:
        try:
            app = authenticate_client(self.a, request)
        except OAuthError as err:
            return err.response()
        token = request.form.get("token", "")
        if not token:
            return OAuthError("invalid_request", "token is missing").response()
        store = self.a.store
        grant = store.refresh.get(token)
        if grant is not None and grant.client_id == app.client_id:
            store.revoke_family(grant.family)
        ref = self.a.reference_tokens.get(token)
        if ref is not None:
            ref.revoked = True
        return Response(200).header("Cache-Control", "no-store")

    async def introspection(self, request: Request) -> Response:
        try:
            app = authenticate_client(self.a, request)
            if app.is_public:
                raise invalid_client("introspection needs a Confidential client")
        except OAuthError as err:
            return err.response()
        token = request.form.get("token", "")
        inactive = json_response({"active": False})
        grant = self.a.store.live_refresh(token, self.a.now())
        if grant is not None:
            if grant.client_id != app.client_id:
                return inactive
            return json_response(
                {
                    "active": True,
                    "token_type": "refresh_token",
                    "iss": self.a.issuer,
                    "client_id": grant.client_id,
                    "sub": grant.user.id,
                    "scope": " ".join(grant.scopes),
                    "exp": int(grant.expires_at),
                }
            )
        if token.startswith("enrt_"):
            ref = self.a.reference_token(token)
            if ref is None:
                return inactive
            body: dict[str, Any] = {
                "active": True,
                "token_type": "reference_token",
                "iss": self.a.issuer,
                "sub": ref.owner,
                "scope": " ".join(ref.scopes),
            }
            if ref.expires_at is not None:
                body["exp"] = int(ref.expires_at)
            return json_response(body)
        try:
            claims = check_access_token(self.a, token)
        except InvalidToken:
            return inactive
        body = {k: v for k, v in claims.items() if k != "scope"}
        body.update(active=True, token_type="access_token", scope=" ".join(claims["scope"]))
        return json_response(body)

    async def endsession(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.query
        hint = params.get("id_token_hint")
        client_id: str | None = None
        sid: str | None = None
        if hint:
            try:
                claims = self.a.key.verify(hint)
            except jwt.PyJWTError:
                return html_response(
                    pages.error("invalid_request", "id_token_hint is invalid"), 400
                )
            client_id = str(claims.get("aud"))
            sid = claims.get("sid")
        for key in (sid, request.cookies.get(self.a.cookie_name)):
            self.a.store.sessions.pop(key or "", None)
        clear = f"{self.a.cookie_name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        target = params.get("post_logout_redirect_uri")
        app = self.a.app(client_id)
        if target and app is not None and redirect_uri_registered(target, app.post_logout_uris):
            state = params.get("state")
            location = f"{target}?{urlencode({'state': state})}" if state else target
            return redirect(location).header("Set-Cookie", clear)
        text = "You are signed out."
        if target:
            text += " post_logout_redirect_uri was ignored: it needs a valid id_token_hint and a"
            text += " registered URI."
        return html_response(pages.message("Signed out", text)).header("Set-Cookie", clear)

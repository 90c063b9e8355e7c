"""The browser side of an identity service: authorize, sign-in, callback, device verification."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from . import pages
from .authority import PROTOCOL_SCOPES, Authority
from .grants import (
    AuthorizationCode,
    PendingAuthorization,
    Session,
    new_handle,
    normalize_user_code,
)
from .registrations import TrustedApplication, User
from .server import Handler, Request, Response, html_response, redirect
from .tokens import id_token

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PENDING_TTL = 600
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def redirect_uri_registered(uri: str, registered: list[str]) -> bool:
    """Exact, case-sensitive match; loopback ``http://127.0.0.1/...`` takes any port."""
    if uri in registered:
        return True
    try:
        parts = urlsplit(uri)
        _ = parts.port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.username:
        return False
    for reg in registered:
        r = urlsplit(reg)
        if (
            r.scheme == "http"
            and r.hostname == parts.hostname
            and (r.path, r.query, r.fragment) == (parts.path, parts.query, parts.fragment)
        ):
            return True
    return False


def deliver(redirect_uri: str, mode: str, fields: dict[str, str]) -> Response:
    """Send authorize results to the client: query, fragment or an auto-submitting form_post."""
    if mode == "form_post":
        return html_response(pages.form_post(redirect_uri, fields))
    if mode == "fragment":
        return redirect(f"{redirect_uri}#{urlencode(fields)}")
    sep = "&" if urlsplit(redirect_uri).query else "?"
    return redirect(f"{redirect_uri}{sep}{urlencode(fields)}")


def deliver_error(
    redirect_uri: str, mode: str, state: str | None, error: str, description: str
) -> Response:
    """An authorize error for the client, with its ``state`` echoed."""
    fields = {"error": error, "error_description": description}
    if state is not None:
        fields["state"] = state
    return deliver(redirect_uri, mode, fields)


class Redirectable(Exception):
    """An authorize error that can safely go back to the (validated) redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def session_cookie(authority: Authority, sid: str) -> str:
    return f"{authority.cookie_name}={sid}; Path=/; HttpOnly; SameSite=Lax"


class Interactive:
    def __init__(self, authority: Authority) -> None:
        self.a = authority

    def routes(self) -> list[tuple[str, Handler]]:
        p = self.a.prefix
        return [
            (f"{p}/connect/authorize", self.authorize),
            (f"{p}/connect/authorize/callback", self.callback),
            (f"{p}/account/login", self.login),
            (f"{p}/device", self.device),
        ]

    # -- authorize ---------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.query
        client_id = params.get("client_id", "")
        if not client_id:
            return self._error_page("invalid_request", "client_id is missing")
        app = self.a.app(client_id)
        if app is None or not app.is_enabled:
            what = "unknown" if app is None else "disabled"
            return self._error_page(
                "unauthorized_client", f"the Trusted Application '{client_id}' is {what}"
            )
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri:
            return self._error_page("invalid_request", "redirect_uri is missing")
        if not redirect_uri_registered(redirect_uri, app.redirect_uris):
            registered = ", ".join(app.redirect_uris) or "(none)"
            return self._error_page(
                "invalid_redirect_uri",
                f"redirect_uri '{redirect_uri}' is not registered for '{client_id}' "
                f"(registered: {registered}); the match is exact and case-sensitive",
            )
        response_type = " ".join(sorted(params.get("response_type", "").split()))
        hybrid = response_type == "code id_token"
        mode = params.get("response_mode") or ("fragment" if hybrid else "query")
        try:
            if mode not in ("query", "fragment", "form_post"):
                asked, mode = mode, "fragment" if hybrid else "query"
                raise Redirectable("invalid_request", f"unsupported response_mode '{asked}'")
            pending = self._validate(params, app, redirect_uri, response_type, mode)
            session = self.a.session(request.cookies)
            if session is not None and not pending.prompt_login:
                return self._finish(pending, session)
            if self.a.settings.auto_sign_in and self.a.users:
                # headless demos: behave as if the first user signed in at once
                return self._finish(pending, self._new_session(next(iter(self.a.users.values()))))
            if "none" in params.get("prompt", "").split():
                raise Redirectable("login_required", "the user is not signed in")
        except Redirectable as err:
            return deliver_error(
                redirect_uri, mode, params.get("state"), err.error, err.description
            )
        self.a.store.pending[pending.request_id] = pending
        return self._to_login(pending.request_id)

    def _validate(
        self,
        params: dict[str, str],
        app: TrustedApplication,
        redirect_uri: str,
        response_type: str,
        mode: str,
    ) -> PendingAuthorization:
        client_id = app.client_id
        if response_type not in ("code", "code id_token"):
            raise Redirectable(
                "unsupported_response_type", "response_type must be 'code' or 'code id_token'"
            )
        if response_type == "code id_token" and mode == "query":
            raise Redirectable(
                "invalid_request", "response_mode query is not allowed with id_token"
            )
        if not app.impersonate_internal_user_allowed or app.client_type == "None":
            raise Redirectable(
                "unauthorized_client",
                f"interactive access (ImpersonateAsInternalUserAllowed) is off for '{client_id}'",
            )
        challenge = params.get("code_challenge", "")
        if not challenge:
            raise Redirectable("invalid_request", "code_challenge is required (PKCE)")
        if params.get("code_challenge_method", "plain") != "S256":
            raise Redirectable("invalid_request", "code_challenge_method must be S256")
        if not _CHALLENGE.match(challenge):
            raise Redirectable("invalid_request", "code_challenge must be 43 base64url characters")
        scopes = params.get("scope", "").split()
        if not scopes:
            raise Redirectable("invalid_scope", "scope is missing")
        for scope in scopes:
            if scope not in PROTOCOL_SCOPES and scope not in app.allowed_scopes:
                raise Redirectable(
                    "invalid_scope", f"scope '{scope}' is not allowed for client '{client_id}'"
                )
        nonce = params.get("nonce")
        if response_type == "code id_token":
            if "openid" not in scopes:
                raise Redirectable("invalid_request", "response_type id_token needs scope openid")
            if not nonce:
                raise Redirectable("invalid_request", "nonce is required with id_token")
        return PendingAuthorization(
            request_id=new_handle(16),
            client_id=client_id,
            redirect_uri=redirect_uri,
            response_type=response_type,
            response_mode=mode,
            scopes=scopes,
            state=params.get("state"),
            nonce=nonce,
            code_challenge=challenge,
            prompt_login="login" in params.get("prompt", "").split(),
            created_at=self.a.now(),
        )

    def _finish(self, pending: PendingAuthorization, session: Session) -> Response:
        code = new_handle()
        self.a.store.codes[code] = AuthorizationCode(
            code=code,
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            scopes=pending.scopes,
            nonce=pending.nonce,
            code_challenge=pending.code_challenge,
            sid=session.sid,
            user=session.user,
            auth_time=session.auth_time,
            expires_at=self.a.now() + self.a.settings.code_ttl,
        )
        fields = {"code": code}
        if pending.response_type == "code id_token":
            fields["id_token"] = id_token(
                self.a, pending.client_id, session, pending.scopes, nonce=pending.nonce, code=code
            )
        fields["scope"] = " ".join(pending.scopes)
        if pending.state is not None:
            fields["state"] = pending.state
        fields["iss"] = self.a.issuer
        return deliver(pending.redirect_uri, pending.response_mode, fields)

    def _error_page(self, error: str, description: str) -> Response:
        hint = "This error is shown here instead of redirecting to an unverified redirect URI."
        return html_response(pages.error(error, description, hint), 400)

    # -- sign-in -----------------------------------------------------------------------------

    def _login_page(self, return_url: str, error: str | None = None, username: str = "") -> str:
        title = "Sign in (global authority)" if self.a.prefix != "/id" else ""
        action = f"{self.a.prefix}/account/login"
        return pages.login(action, return_url, error=error, username=username, title=title)

    async def login(self, request: Request) -> Response:
        if request.method != "POST":
            return html_response(self._login_page(request.query.get("ReturnUrl", "/")))
        form = request.form
        return_url = form.get("ReturnUrl") or "/"
        if not return_url.startswith("/") or return_url.startswith(("//", "/\\")):
            return_url = "/"
        pending = self._pending_for(return_url)
        if form.get("button") == "cancel":
            if pending is None:
                return html_response(pages.message("Sign-in cancelled", "You did not sign in."))
            del self.a.store.pending[pending.request_id]
            return deliver_error(
                pending.redirect_uri,
                pending.response_mode,
                pending.state,
                "access_denied",
                "the user cancelled sign-in",
            )
        user = self.a.check_password(form.get("username", ""), form.get("password", ""))
        if user is None:
            username = form.get("username", "")
            page = self._login_page(return_url, "Invalid username or password", username)
            return html_response(page)
        session = self._new_session(user)
        if pending is not None:
            pending.signed_in_sid = session.sid
        return redirect(return_url).header("Set-Cookie", session_cookie(self.a, session.sid))

    def _pending_for(self, return_url: str) -> PendingAuthorization | None:
        parts = urlsplit(return_url)
        if parts.path != f"{self.a.prefix}/connect/authorize/callback":
            return None
        request_id = parse_qs(parts.query).get("request_id", [""])[0]
        return self.a.store.pending.get(request_id)

    def _new_session(self, user: User) -> Session:
        now = self.a.now()
        session = Session(new_handle(16), user, int(now), now + self.a.settings.session_ttl)
        self.a.store.sessions[session.sid] = session
        return session

    async def callback(self, request: Request) -> Response:
        request_id = request.query.get("request_id", "")
        pending = self.a.store.pending.get(request_id)
        if pending is None or pending.created_at + PENDING_TTL <= self.a.now():
            return self._error_page("invalid_request", "the sign-in request is unknown or expired")
        session = self.a.session(request.cookies)
        if session is None or (pending.prompt_login and pending.signed_in_sid != session.sid):
            return self._to_login(request_id)
        del self.a.store.pending[request_id]
        return self._finish(pending, session)

    def _to_login(self, request_id: str) -> Response:
        """To the sign-in page, which returns to the callback that finishes ``request_id``."""
        callback = f"{self.a.prefix}/connect/authorize/callback?request_id={request_id}"
        return redirect(f"{self.a.prefix}/account/login?{urlencode({'ReturnUrl': callback})}")

    # -- device verification -----------------------------------------------------------------

    async def device(self, request: Request) -> Response:
        prefix = self.a.prefix
        if request.method != "POST":
            code = request.query.get("userCode") or request.query.get("user_code", "")
            return html_response(pages.device(code, prefix=prefix))
        form = request.form
        typed = form.get("user_code", "")
        user_code = normalize_user_code(typed)
        device_code = self.a.store.user_codes.get(user_code, "")
        grant = self.a.store.devices.get(device_code)
        if grant is None or grant.expires_at <= self.a.now() or grant.status != "pending":
            page = pages.device(typed, error="Unknown or expired code", prefix=prefix)
            return html_response(page, 400)
        user = self.a.check_password(form.get("username", ""), form.get("password", ""))
        if user is None:
            page = pages.device(typed, error="Invalid username or password", prefix=prefix)
            return html_response(page)
        if form.get("action") == "deny":
            grant.status = "denied"
            return html_response(pages.message("Access denied", "The device was not connected."))
        session = self._new_session(user)
        grant.status, grant.user, grant.sid, grant.auth_time = (
            "approved",
            user,
            session.sid,
            session.auth_time,
        )
        return html_response(
            pages.message("Device connected", "You can return to your device.")
        ).header("Set-Cookie", session_cookie(self.a, session.sid))

"""The instance's resource side: auto-discovery, the Domain API servers and browser-only routes.

A Domain API server answers like an ASP.NET Core API behind IdentityServer: JwtBearer's 401s
(see ``jwt_bearer.py``), a 403 ``insufficient_scope`` for a missing scope, a 403 in the
platform's error shape when the user may not touch an entity set, then the data (``odata.py``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote

from . import pages
from .api_nodes import INSTANCE_API, ODATA, ApiNode, api_root
from .authority import Authority
from .jwt_bearer import TokenRejected, Validation, challenge, validate
from .keys import SigningKey
from .odata import WRITE_METHODS, EntitySets, business_error, entity_set_of
from .server import Handler, Request, Response, html_response, json_response, redirect
from .tokens import bearer_error


@dataclass
class Principal:
    scopes: list[str]
    subject: str  # the user's id, or the Trusted Application's system user


class DomainApi:
    """One Domain API server (``node``) of the instance, over the instance's shared data."""

    def __init__(
        self,
        instance: Authority,
        data: EntitySets,
        node: ApiNode = INSTANCE_API,
        stale_key: SigningKey | None = None,
    ) -> None:
        self.instance = instance
        self.data = data
        self.node = node
        self.stale_key = stale_key or SigningKey()  # generated only if this server uses it

    @property
    def root(self) -> str:
        return api_root(self.instance.base_url, self.node)

    def now(self) -> float:
        return self.instance.now() + self.node.clock_offset

    def validation(self) -> Validation:
        issuer = self.instance.issuer
        return Validation(
            issuer=issuer + self.node.issuer_suffix,
            audiences=(self.node.audience.format(issuer=issuer),),
            keys=(self.stale_key if self.node.stale_keys else self.instance.key,),
            # TimeSpan.Zero, a common hardening (the default is 5 min): a token is refused the
            # second it expires, so moving the sandbox clock past `exp` is enough to show it.
            clock_skew=0.0,
        )

    async def odata(self, request: Request) -> Response:
        response = self._answer(request)
        if self.node.clock_offset:  # this server's own clock, as its Date header shows
            response.header("Date", formatdate(self.now(), usegmt=True))
        if self.node.name:
            response.header("X-Served-By", self.node.name)
        return response

    def _answer(self, request: Request) -> Response:
        principal = self._authenticate(request)
        if isinstance(principal, Response):
            return principal
        writing = request.method in WRITE_METHODS
        needed = "update" if writing else "read"
        if needed not in principal.scopes:
            return json_response(
                {"error": "insufficient_scope", "error_description": f"needs scope '{needed}'"}, 403
            ).header(
                "WWW-Authenticate",
                f'Bearer error="insufficient_scope", scope="{needed}", '
                f'error_description="the token lacks the {needed} scope"',
            )
        resource = request.path[len(self.node.prefix) :]
        entity_set = entity_set_of(resource)
        if not self.data.may_touch(principal.subject, entity_set):
            action = "modify" if writing else "read"
            return business_error(
                403,
                f"The user '{principal.subject}' has no permission to {action} '{entity_set}'.",
                "AccessDenied",
                "System.UnauthorizedAccessException",
                f"Grant the user's role the right to {action} {entity_set} on the instance.",
            )
        return self.data.handle(request, resource, self.root)

    # -- authentication ------------------------------------------------------------------------

    def _unauthorized(self, description: str | None) -> Response:
        """JwtBearer's 401: an empty body and the challenge (``None``: no token was sent)."""
        details = self.node.include_error_details
        return Response(401).header(
            "WWW-Authenticate", challenge(description, include_error_details=details)
        )

    def _authenticate(self, request: Request) -> Principal | Response:
        authz = request.headers.get("authorization")
        api_key = request.headers.get("x-api-key")
        if (authz and api_key) or request.header_counts.get("authorization", 0) > 1:
            return json_response(
                {"message": "Send the token in one header only: Authorization or X-Api-Key."}, 400
            )
        if api_key is not None:
            token = api_key.strip()
            if not token.startswith("enrt_"):
                return bearer_error(
                    401, "invalid_token", "X-Api-Key takes a reference token (enrt_...)"
                )
        elif authz:
            scheme, _, value = authz.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return bearer_error(401, "invalid_token", "the Authorization scheme must be Bearer")
            token = value.strip()
        else:
            return self._unauthorized(None)
        if token.startswith("enrt_"):
            return self._reference_token(token)
        try:
            claims = validate(token, self.validation(), self.now())
        except TokenRejected as err:
            return self._unauthorized(err.description)
        subject = str(claims.get("sub") or claims.get("client_system_user") or claims["client_id"])
        return Principal(list(claims.get("scope", [])), subject)

    def _reference_token(self, token: str) -> Principal | Response:
        ref = self.instance.reference_token(token)
        if ref is None:
            known = token in self.instance.reference_tokens
            why = "revoked or expired" if known else "unknown"
            return bearer_error(401, "invalid_token", f"the reference token is {why}")
        return Principal(list(ref.scopes), ref.owner)


class LoadBalancedApi:
    """One API URL in front of several nodes, each request to the next node in turn."""

    def __init__(self, nodes: list[DomainApi]) -> None:
        self.nodes = nodes
        self.prefix = nodes[0].node.prefix
        self._turn = itertools.count()

    async def odata(self, request: Request) -> Response:
        return await self.nodes[next(self._turn) % len(self.nodes)].odata(request)


class InstanceSite:
    """Auto-discovery and the routes meant for people (they redirect to the sign-in page)."""

    def __init__(self, instance: Authority) -> None:
        self.instance = instance

    def routes(self) -> list[tuple[str, Handler]]:
        return [
            ("/sys/auto-discovery", self.auto_discovery),
            ("/tools/auto-discovery", self.auto_discovery),
        ]

    def prefix_routes(self) -> list[tuple[str, Handler]]:
        return [("/ui/", self.browser_only), ("/api/legacy/", self.browser_only)]

    async def auto_discovery(self, request: Request) -> Response:
        base = self.instance.base_url
        return json_response(
            {
                "InstanceName": "sandbox",
                "WebSites": [
                    {"Type": "ID", "URL": f"{base}/id", "AdditionalProperties": {}},
                    {
                        "Type": "DomainAPI",
                        "URL": f"{base}/api/domain",
                        "AdditionalProperties": {"ODataServiceRoot": f"{base}{ODATA}"},
                    },
                    {"Type": "WebClient", "URL": f"{base}/ui/", "AdditionalProperties": {}},
                ],
            },
            cache=60,
        )

    async def browser_only(self, request: Request) -> Response:
        """A page for people: without a session it redirects to the sign-in page."""
        session = self.instance.session(request.cookies)
        if session is None:
            return redirect(f"/id/account/login?ReturnUrl={quote(request.target, safe='/')}")
        return html_response(pages.web_client(session.user.name))

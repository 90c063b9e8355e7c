"""The Domain API servers of the sandbox instance: its own, and misconfigured ones to learn from.

A real instance's API runs on servers of its own, each validating tokens with its own settings
and its own clock. The sandbox serves the instance's API at ``/api/domain/odata/`` and, for each
case below, one more server at ``/cases/{case}/api/domain/odata/`` (same data, same identity
service) that is set up wrong in one way, so a demo profile can point its API URL at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

ODATA = "/api/domain/odata/"
CASES = "/cases/"
API_AUDIENCE = "DomainAPI"
# IdentityServer's legacy `{authority}/resources` audience: APIs set up for it refuse today's
# tokens, whose audience is the API resource's name.
LEGACY_AUDIENCE = "{issuer}/resources"
# A port nothing listens on: below 1024 no unprivileged process can bind it, and tcpmux (its
# only registered use) is not run anywhere in practice, so a loopback connection to it is
# refused at once (RST), on every OS, without a timeout.
CLOSED_PORT = 1


@dataclass(frozen=True)
class ApiNode:
    """One Domain API server and how it validates tokens (JwtBearer's settings)."""

    case: str = ""  # "" for the instance's own API
    clock_offset: float = 0.0  # seconds this server's clock is ahead (+) or behind (-)
    audience: str = API_AUDIENCE  # "{issuer}" is replaced by the instance's issuer
    issuer_suffix: str = ""  # what it adds to the instance's issuer when it compares
    stale_keys: bool = False  # validates with a key set from before a key rotation
    include_error_details: bool = True  # JwtBearerOptions.IncludeErrorDetails
    name: str = ""  # behind a load balancer: the node's name in its `X-Served-By` header

    @property
    def prefix(self) -> str:
        return f"{CASES}{self.case}{ODATA}" if self.case else ODATA


INSTANCE_API = ApiNode()
CLOCK_BEHIND = ApiNode("clock-behind", clock_offset=-600)
CLOCK_AHEAD = ApiNode("clock-ahead", clock_offset=2 * 3600)  # a time zone taken for UTC
LEGACY_AUDIENCE_API = ApiNode("legacy-audience", audience=LEGACY_AUDIENCE)
TRAILING_SLASH_ISSUER = ApiNode("trailing-slash-issuer", issuer_suffix="/")
STALE_KEYS = ApiNode("stale-keys", stale_keys=True)
NO_ERROR_DETAILS = ApiNode("no-error-details", stale_keys=True, include_error_details=False)
# One API URL served by two nodes in turn (a load balancer's round robin): the second was left
# with the key set from before a rotation and a clock 90 s ahead, so the same token is accepted,
# then refused, then accepted: the intermittent 401 that watch mode is there to catch.
FLAKY_CASE = "flaky-node"
FLAKY_NODES = (
    ApiNode(FLAKY_CASE, name="node-1"),
    ApiNode(FLAKY_CASE, name="node-2", clock_offset=90, stale_keys=True),
)
CASE_NODES = (
    CLOCK_BEHIND,
    CLOCK_AHEAD,
    LEGACY_AUDIENCE_API,
    TRAILING_SLASH_ISSUER,
    STALE_KEYS,
    NO_ERROR_DETAILS,
)


def api_root(base_url: str, node: ApiNode = INSTANCE_API) -> str:
    """The OData service root of ``node`` on the sandbox at ``base_url``."""
    return f"{base_url.rstrip('/')}{node.prefix}"


def closed_api_root(base_url: str) -> str:
    """The instance's API path on the sandbox's host, at a port where nothing listens."""
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{CLOSED_PORT}{ODATA}"

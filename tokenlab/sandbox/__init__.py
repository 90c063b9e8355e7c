"""An embedded sandbox platform instance: identity services, Domain API and demo registrations.

An independent peer of the client: it imports nothing from the rest of tokenlab.

    with Sandbox.running_in_thread(port=0) as sb:      # or: await sb.start() ... await sb.stop()
        sb.url                                         # "http://127.0.0.1:PORT"
        demo_catalog(sb.url)                           # a DemoProfile per scenario/mistake/API case
        sb.register(TrustedApplication(...))           # add an app (e.g. private_key_jwt)
        sb.add_reference_token(scopes=("read",))       # a fresh enrt_... token
        sb.clock.advance(61)                           # expire codes/tokens without sleeping
        sb.data.denied["sandbox-service"] = frozenset({"Crm_Sales_Customers"})  # then: 403
        sb.settings.code_ttl = 5                       # lifetimes are live-tunable

Routes: ``/id`` (instance identity service), ``/global/id`` (global authority: sign-in only, its
tokens are refused by the API), ``/sys/auto-discovery`` and ``/tools/auto-discovery``,
``/api/domain/odata/Crm_Sales_Customers`` (Domain API, answering like ASP.NET Core JwtBearer),
``/cases/{case}/api/domain/odata/`` (misconfigured API servers, see ``api_nodes.py``), ``/ui/``
and ``/api/legacy/`` (browser routes that redirect to the sign-in page).
``Settings(auto_sign_in=True)`` signs the demo user in without a form, for headless demos.
"""

from .api_nodes import CASE_NODES, ApiNode, api_root
from .catalog import DemoProfile, demo_catalog
from .config import Clock, Settings
from .registrations import (
    DEMO_REFERENCE_TOKEN,
    DEMO_REVOKED_REFERENCE_TOKEN,
    DEMO_SECRETS,
    DEMO_USER,
    ReferenceToken,
    TrustedApplication,
    User,
    hash_secret,
)
from .sandbox import Sandbox, banner, serve_forever

__all__ = [
    "CASE_NODES",
    "DEMO_REFERENCE_TOKEN",
    "DEMO_REVOKED_REFERENCE_TOKEN",
    "DEMO_SECRETS",
    "DEMO_USER",
    "ApiNode",
    "Clock",
    "DemoProfile",
    "ReferenceToken",
    "Sandbox",
    "Settings",
    "TrustedApplication",
    "User",
    "api_root",
    "banner",
    "demo_catalog",
    "hash_secret",
    "serve_forever",
]

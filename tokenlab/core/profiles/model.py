"""The profile model, and the one table of its fields that TOML, validation and summaries read.

`Profile` is the typed value; `FIELDS` says, once per field, how it is called, what type it
has in a file, and whether a written file always shows it. A test checks that the table and
the dataclasses name the same fields, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from tokenlab.core.errors import ProfileError
from tokenlab.core.urls import join_url

SCHEMA_VERSION = 1

Scenario = Literal["web-app", "spa", "web-portal", "service-app", "automation"]
AuthMethod = Literal["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]
SCENARIOS: tuple[str, ...] = get_args(Scenario)
AUTH_METHODS: tuple[str, ...] = get_args(AuthMethod)
# Who a client assertion is addressed to (its `aud`): RFC 7523 says the token endpoint, OIDC Core
# allows the issuer too; providers differ in which they accept.
AssertionAudience = Literal["token_endpoint", "issuer"]
ASSERTION_AUDIENCES: tuple[str, ...] = get_args(AssertionAudience)

# What each scenario does by default (platform-identity.md, "The scenarios").
DEFAULT_AUTH_METHOD: dict[str, AuthMethod] = {
    "web-app": "client_secret_basic",
    "spa": "none",
    "web-portal": "client_secret_basic",
    "service-app": "client_secret_basic",
    "automation": "none",
}
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    "web-app": ("openid", "profile", "offline_access", "read", "update"),
    "spa": ("openid", "profile", "read", "update"),
    "web-portal": ("read", "update"),
    "service-app": ("read", "update"),
    "automation": (),
}


@dataclass(frozen=True)
class TlsOptions:
    """How a profile's connections trust TLS certificates."""

    verify: bool = True
    ca_bundle: str = ""  # a PEM file of extra trusted CAs (a corporate proxy's, a test CA)
    os_trust_store: bool = False  # trust what the operating system trusts (truststore)


@dataclass(frozen=True)
class ProbeRequest:
    """The API request a probe sends with the token."""

    method: str = "GET"
    path: str = "Crm_Sales_Customers?$top=1"  # relative to the profile's API base URL
    headers: tuple[tuple[str, str], ...] = (("Accept", "application/json"),)
    body: str = ""


@dataclass(frozen=True)
class Profile:
    """One named instance profile: where the identity service is and how this client signs in."""

    name: str
    instance: str
    scenario: Scenario
    client_id: str = ""
    authority_url: str = ""  # empty: derived as {instance}/id
    api_url: str = ""  # empty: derived as {instance}/api/domain/odata/
    auth_method: AuthMethod = "client_secret_basic"
    key_path: str = ""  # private_key_jwt: PEM private key
    cert_path: str = ""  # private_key_jwt: optional certificate, for x5t#S256
    key_id: str = ""  # private_key_jwt: the assertion's `kid` (providers that pick keys by it)
    assertion_audience: AssertionAudience = "token_endpoint"  # private_key_jwt: the `aud`
    scopes: tuple[str, ...] = ()
    redirect_uri: str = ""
    loopback_port: int = 0  # 0: any free port
    authorize_params: tuple[tuple[str, str], ...] = ()
    audience: str = ""
    tls: TlsOptions = field(default_factory=TlsOptions)
    timeout: float = 10.0
    probe: ProbeRequest = field(default_factory=ProbeRequest)
    allow_insecure: bool = False  # plain http to a host that is not loopback
    description: str = ""
    public_secret: str = ""  # sandbox only: a published demo client secret, not a secret
    public_reference_token: str = ""  # sandbox only: a published demo reference token
    demo_sandbox: bool = False  # made by `demo` for a sandbox on this machine, which may be gone

    @property
    def authority(self) -> str:
        return self.authority_url or join_url(self.instance, "id")

    @property
    def api(self) -> str:
        return self.api_url or join_url(self.instance, "api/domain/odata/")

    @property
    def is_public_client(self) -> bool:
        return self.auth_method == "none"


def new_profile(name: str, instance: str, scenario: str, **values: Any) -> Profile:
    """A profile with the scenario's defaults for what is not given (validated when saved)."""
    if scenario not in SCENARIOS:
        raise ProfileError(f"unknown scenario {scenario!r}", f"use one of: {', '.join(SCENARIOS)}")
    values.setdefault("auth_method", DEFAULT_AUTH_METHOD[scenario])
    values.setdefault("scopes", DEFAULT_SCOPES[scenario])
    return Profile(name=name, instance=instance, scenario=cast(Scenario, scenario), **values)


# --- the one table of fields --------------------------------------------------------------------

# How a value is written in a file: a string, a URL (a string that must be one), a whole
# number, a number of seconds, true/false, a list of words, or a table of strings.
Kind = Literal["str", "url", "int", "seconds", "bool", "words", "pairs"]
NESTED = ("tls", "probe")  # the dataclass fields that are TOML tables of their own

_BLANK = Profile(name="", instance="", scenario="service-app")  # every default, in one place


@dataclass(frozen=True)
class ProfileField:
    """One field: `path` is the attribute ("client_id") or table.key ("tls.verify")."""

    path: str
    kind: Kind
    label: str  # what a person calls it
    always_written: bool = False  # a written file shows it even at its default
    summary_key: str | None = None  # its key in `profile_summary`; None: the TOML key, "": hidden
    derived: bool = False  # the summary shows the derived value (authority, api) and *_derived

    @property
    def table(self) -> str:
        return self.path.rpartition(".")[0]

    @property
    def key(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def default(self) -> Any:
        return value_at(_BLANK, self.path)


# In the order a person reads a profile: files are written and summaries shown in this order.
FIELDS: tuple[ProfileField, ...] = (
    ProfileField("name", "str", "profile name", always_written=True),
    ProfileField("description", "str", "description"),
    ProfileField("instance", "url", "instance URL", always_written=True),
    ProfileField("authority_url", "url", "authority URL", summary_key="authority", derived=True),
    ProfileField("api_url", "url", "API URL", summary_key="api", derived=True),
    ProfileField("scenario", "str", "scenario", always_written=True),
    ProfileField("client_id", "str", "client id", always_written=True),
    ProfileField("auth_method", "str", "client auth method", always_written=True),
    ProfileField("key_path", "str", "private key"),
    ProfileField("cert_path", "str", "certificate"),
    ProfileField("key_id", "str", "key id"),
    ProfileField("assertion_audience", "str", "assertion audience"),
    ProfileField("scopes", "words", "scopes", always_written=True),
    ProfileField("redirect_uri", "url", "redirect URI"),
    ProfileField("loopback_port", "int", "loopback port"),
    ProfileField("authorize_params", "pairs", "authorize parameters"),
    ProfileField("audience", "str", "audience"),
    ProfileField("tls.verify", "bool", "TLS verification", always_written=True),
    ProfileField("tls.ca_bundle", "str", "CA bundle"),
    ProfileField("tls.os_trust_store", "bool", "OS trust store", always_written=True),
    ProfileField("timeout", "seconds", "timeout"),
    ProfileField("probe.method", "str", "probe method", always_written=True),
    ProfileField("probe.path", "str", "probe path", always_written=True),
    ProfileField("probe.headers", "pairs", "probe headers", always_written=True),
    ProfileField("probe.body", "str", "probe body"),
    ProfileField("allow_insecure", "bool", "plain http allowed"),
    ProfileField("public_secret", "str", "published demo secret", summary_key=""),
    ProfileField("public_reference_token", "str", "published demo token", summary_key=""),
    ProfileField("demo_sandbox", "bool", "demo sandbox profile"),
)
FIELD_BY_PATH = {f.path: f for f in FIELDS}


def value_at(profile: Profile, path: str) -> Any:
    """The value of `path` ("timeout", "tls.verify") in `profile`."""
    value: Any = profile
    for part in path.split("."):
        value = getattr(value, part)
    return value


def from_values(values: dict[str, Any]) -> Profile:
    """A profile from `{path: value}`; what is not given keeps its default."""
    nested: dict[str, Any] = {
        table: cls(
            **{p.partition(".")[2]: v for p, v in values.items() if p.startswith(table + ".")}
        )
        for table, cls in (("tls", TlsOptions), ("probe", ProbeRequest))
    }
    flat = {p: v for p, v in values.items() if "." not in p}
    return Profile(**flat, **nested)


def plain(value: Any, kind: Kind) -> Any:
    """A value as JSON and TOML hold it: words as a list, pairs as a table."""
    if kind == "words":
        return list(value)
    if kind == "pairs":
        return dict(value)
    return value

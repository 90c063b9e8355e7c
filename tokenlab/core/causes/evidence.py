"""What the table of causes reads: the evidence of one run, or of one answer.

Each part may be missing: a probe alone gives only `api`, a token endpoint answer only
`token_endpoint`, a doctor run all it got before a step failed. Everything here is already
masked (server text made printable and stripped of secrets by whoever built it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from tokenlab.core.causes.clocks import ClockJudgement
from tokenlab.core.errors import TokenlabError
from tokenlab.core.terminal_text import inert_line

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport, Finding
    from tokenlab.core.inspection.checks import Check
    from tokenlab.core.inspection.token_report import TokenReport
    from tokenlab.core.profiles import Profile

INTERACTIVE_FLOWS = ("auth-code", "device", "refresh")


@dataclass(frozen=True)
class TokenEndpointEvidence:
    """A refusal by the token (or authorize) endpoint, and the request it refused."""

    error: str  # the OAuth error code, "" when the answer had none
    description: str
    status: int | None
    answer_kind: str  # "json" | "html" | "empty" | "text"
    snippet: str = ""  # an HTML page's title, or the start of a text answer
    flow: str = ""
    client_id: str = ""
    scopes: tuple[str, ...] = ()  # the scopes the profile asks for
    public_client: bool = False
    speaker: str = "the token endpoint"
    client_auth: str = ""  # how the client authenticated ("private_key_jwt", ...), "" for none sent
    key_id: str = ""  # private_key_jwt: the assertion's kid, "" when it carried none
    assertion_audience: str = ""  # private_key_jwt: "token_endpoint" or "issuer"

    @property
    def interactive(self) -> bool:
        return self.flow in INTERACTIVE_FLOWS

    @property
    def named_scope(self) -> str:
        """The requested scope that the description names, "" when it names none."""
        for scope in self.scopes:
            if re.search(rf"(?<![\w.-]){re.escape(scope)}(?![\w.-])", self.description):
                return scope
        return ""

    @property
    def said(self) -> str:
        words = f" ({inert_line(self.description)})" if self.description else ""  # one line
        return f"{self.speaker} said {self.error}{words}"


@dataclass(frozen=True)
class BusinessError:
    """The platform's error body: `{message, code, type, info}`."""

    message: str
    code: str = ""
    type: str = ""
    info: str = ""


@dataclass(frozen=True)
class ApiEvidence:
    """One answer of the API to a request with (or without) a token."""

    status: int
    method: str = "GET"
    url: str = ""
    credentials: tuple[str, ...] = ()  # the credential headers sent, lowercased
    reference_token: bool = False
    token_issuer: str = ""  # the token's iss, read without trusting it
    global_issuer: bool = False  # that iss is a global authority's
    token_scopes: tuple[str, ...] | None = None  # what the token endpoint said it granted
    challenge_error: str = ""
    challenge_scopes: tuple[str, ...] = ()  # RFC 6750 scope of the challenge (or the body's)
    has_challenge: bool = False
    said: str = ""  # the API's own words: error_description, else the body's message
    readings: tuple[str, ...] = ()  # cause keys the words name, in the order they were said
    words_family: str = ""  # whose phrasing they were read as (aspnet, jose, spring, ...)
    body_kind: str = "empty"
    body_title: str = ""
    expects_json: bool = False
    business: BusinessError | None = None
    rows: int | None = None  # an OData page's row count
    sign_in: str = ""  # the sign-in page the API sent us to
    redirects: int = 0
    too_many_redirects: bool = False
    clock_skew_s: float | None = None  # the API's Date minus this machine's clock

    @property
    def token_sent(self) -> bool:
        return bool(self.credentials)

    @property
    def accepted(self) -> bool:
        """2xx, JSON where JSON was asked, and no sign-in page: the seed's success."""
        html_for_json = self.expects_json and self.body_kind == "html"
        return 200 <= self.status < 300 and not self.sign_in and not html_for_json

    @property
    def insufficient_scope(self) -> bool:
        return self.challenge_error == "insufficient_scope" or bool(self.challenge_scopes)


@dataclass(frozen=True)
class RegistrationFact:
    """One field where the instance's registration differs from what the profile needs."""

    kind: str  # disabled | client-type | system-user | impersonation | redirect-uri | ...
    field: str  # the platform's field name
    expected: str
    registered: str
    detail: str = ""


@dataclass(frozen=True)
class RegistrationEvidence:
    """What the Trusted Application's registration says, read with an administrator's token."""

    url: str
    mismatches: tuple[RegistrationFact, ...] = ()

    def says(self, kind: str) -> RegistrationFact | None:
        return next((m for m in self.mismatches if m.kind == kind), None)


@dataclass(frozen=True)
class Evidence:
    """Everything a run learned that can point at a cause."""

    profile: Profile | None = None
    flow: str = ""  # the flow that ran (or was asked for)
    token_endpoint: TokenEndpointEvidence | None = None
    api: ApiEvidence | None = None
    token: TokenReport | None = None  # our own checks of the token
    authority: AuthorityReport | None = None
    warnings: tuple[Finding, ...] = ()  # what the flow warned about (legacy scope, plain http...)
    errors: Mapping[str, TokenlabError] = field(default_factory=lambda: MappingProxyType({}))
    clocks: ClockJudgement | None = None
    registration: RegistrationEvidence | None = None  # when an administrator's token read it

    def error(self, stage: str) -> TokenlabError | None:
        """The error of a stage: "authority", "flow", "token" or "probe"."""
        return self.errors.get(stage)

    def check(self, name: str) -> Check | None:
        return self.token.check(name) if self.token is not None else None

    def check_is(self, name: str, *statuses: str) -> bool:
        c = self.check(name)
        return c is not None and c.status in statuses

    @property
    def requested_scopes(self) -> tuple[str, ...]:
        if self.token_endpoint is not None:
            return self.token_endpoint.scopes
        return self.profile.scopes if self.profile is not None else ()

    @property
    def client_id(self) -> str:
        if self.token_endpoint is not None and self.token_endpoint.client_id:
            return self.token_endpoint.client_id
        return self.profile.client_id if self.profile is not None else ""

    @property
    def interactive(self) -> bool:
        return (self.flow or (self.token_endpoint.flow if self.token_endpoint else "")) in (
            *INTERACTIVE_FLOWS,
            "portal",
        )

    @property
    def token_claims(self) -> Mapping[str, object]:
        return self.token.token.claims if self.token is not None else {}


def quote_scopes(scopes: tuple[str, ...]) -> str:
    return " ".join(repr(s) for s in scopes)


def common_values(e: Evidence) -> dict[str, str]:
    """Template values every meaning may use."""
    client = e.client_id
    app = f"the Trusted Application {client!r}" if client else "the Trusted Application"
    profile = e.profile
    values = {
        "app": app,
        "App": app[0].upper() + app[1:],
        "client_id": client,
        "profile": profile.name if profile else "",
        "authority": profile.authority if profile else "the instance's authority",
        "api_url": profile.api if profile else "the API URL",
        "requested": " ".join(e.requested_scopes) or "none",
        "audience": (profile.audience if profile and profile.audience else "DomainAPI"),
    }
    if e.api is not None:
        values |= {"status": str(e.api.status), "method": e.api.method}
    if e.token_endpoint is not None:
        te = e.token_endpoint
        values |= {"said": te.said, "error": te.error, "te_status": str(te.status or "")}
    return values

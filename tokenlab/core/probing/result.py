"""What a probe returns: the request as sent, every hop, the final answer and the verdict.

Everything in a `ProbeResult` is masked (headers, URLs, bodies, the server's own words): it is
safe to print, store and paste into a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tokenlab.core.causes import ApiEvidence, Cause
from tokenlab.core.errors import Remedy, UsageError
from tokenlab.core.www_authenticate import Challenge

BodyKind = Literal["empty", "json", "html", "text", "binary"]


class ProbeError(UsageError):
    """The probe could not be sent as asked (a bad method, header or URL)."""


@dataclass(frozen=True)
class RedirectHop:
    """One answer that sent us elsewhere: its status, where from, where to (masked)."""

    status: int
    url: str
    location: str
    elapsed_ms: float
    sign_in: bool  # the location looks like a sign-in page
    credentials_dropped: bool = False  # the next hop is another origin: the token was not sent

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "url": self.url,
            "location": self.location,
            "elapsed_ms": self.elapsed_ms,
            "sign_in": self.sign_in,
            "credentials_dropped": self.credentials_dropped,
        }


@dataclass(frozen=True)
class ProbeBody:
    """The response body made printable: masked, control characters escaped, truncated."""

    kind: BodyKind
    content_type: str
    size: int  # bytes received
    text: str  # pretty JSON, text or HTML (truncated), or a description of binary data
    truncated: bool = False
    data: Any = None  # the parsed (masked) JSON, when kind == "json"
    title: str = ""  # an HTML page's <title>
    has_password_field: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "content_type": self.content_type,
            "size": self.size,
            "text": self.text,
            "truncated": self.truncated,
            "json": self.data,
            "title": self.title,
            "has_password_field": self.has_password_field,
        }


@dataclass(frozen=True)
class Verdict:
    """`ok` only for a 2xx without a sign-in page; otherwise the most likely cause, in one line.

    `kind` is the key of the first cause in the table of causes (or "ok"), so the probe and the
    doctor name the same failure the same way; `causes` are all the candidates, ranked."""

    ok: bool
    kind: str
    summary: str
    hint: str = ""
    missing_scopes: tuple[str, ...] = ()
    remedy: Remedy | None = None
    causes: tuple[Cause, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "summary": self.summary,
            "hint": self.hint,
            "remedy": self.remedy.to_json() if self.remedy else None,
            "missing_scopes": list(self.missing_scopes),
            "causes": [c.to_json() for c in self.causes],
        }


@dataclass(frozen=True)
class ProbeResult:
    method: str
    url: str  # the first URL asked (masked)
    final_url: str  # where the last answer came from (masked)
    request_headers: tuple[tuple[str, str], ...]  # as sent to the first URL (masked)
    token: str  # masked, "" when none was sent
    token_header: str  # "Authorization", "X-Api-Key", "Authorization+X-Api-Key" or ""
    status: int  # the final status
    reason: str
    elapsed_ms: float  # all hops
    headers: tuple[tuple[str, str], ...]  # the final response's (masked)
    body: ProbeBody
    redirects: tuple[RedirectHop, ...]
    challenges: tuple[Challenge, ...]
    challenge_problem: str  # the strict parser's complaint, when the header is malformed
    sign_in_page: str  # the sign-in URL we were sent to (or the final URL), "" when none
    verdict: Verdict
    evidence: ApiEvidence  # what the table of causes read (the doctor reads it again)
    clock_skew_s: float | None = None  # the API's Date minus this machine's clock

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def www_authenticate(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.headers if k.lower() == "www-authenticate")

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": [list(h) for h in self.request_headers],
                "token": self.token,
                "token_header": self.token_header,
            },
            "status": self.status,
            "reason": self.reason,
            "final_url": self.final_url,
            "elapsed_ms": self.elapsed_ms,
            "headers": [list(h) for h in self.headers],
            "body": self.body.to_json(),
            "redirects": [h.to_json() for h in self.redirects],
            "sign_in_page": self.sign_in_page,
            "www_authenticate": list(self.www_authenticate),
            "challenges": [c.to_json() for c in self.challenges],
            "challenge_problem": self.challenge_problem,
            "clock_skew_s": self.clock_skew_s,
            "verdict": self.verdict.to_json(),
        }

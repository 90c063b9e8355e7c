"""The timeline's entries: a probe, a renewal of the token, a finding. All safe to show and store.

A probe record keeps what tells API nodes apart (the `Date` header and how far it is from this
machine's clock, the header that names the node, JwtBearer's `error_description`) next to which
token was sent, so a detector can say "the same token, refused by that node".
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from tokenlab.core.probing import ProbeResult
from tokenlab.core.watch.facts import TokenFacts
from tokenlab.core.watch.times import time_fields

Weight = Literal["failure", "warning"]
Renewal = Literal["issued", "refreshed", "re-issued"]
# Headers a load balancer or server sets to name the node that answered (first one found wins).
NODE_HEADERS = ("x-served-by", "x-backend-server", "x-server", "x-node", "x-instance-id", "server")


def _left(until: float | None, now: float) -> float | None:
    return None if until is None else round(until - now, 1)


@dataclass(frozen=True)
class ProbeRecord:
    seq: int  # 1-based
    at: float  # epoch seconds, when it was sent
    status: int | None  # None: no answer (the error says why)
    ok: bool
    verdict: str  # the verdict's kind ("ok", "invalid-token", ...)
    summary: str
    latency_ms: float | None
    token: TokenFacts
    server_date: str = ""  # the answer's Date header, as sent
    server_skew_s: float | None = None  # that Date minus this machine's clock
    node: str = ""  # "x-served-by: node-2": the header that names the answering node
    error_description: str = ""  # the API's WWW-Authenticate error_description
    error: str = ""  # the transport error, when there was no answer

    @property
    def seconds_left(self) -> float | None:
        return _left(self.token.expires_at, self.at)

    @property
    def refresh_seconds_left(self) -> float | None:
        return _left(self.token.refresh_expires_at, self.at)

    @property
    def session_age_s(self) -> float | None:
        signed_in = self.token.signed_in_at
        return None if signed_in is None else round(self.at - signed_in, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            **time_fields("at", self.at),
            "status": self.status,
            "ok": self.ok,
            "verdict": self.verdict,
            "summary": self.summary,
            "latency_ms": self.latency_ms,
            "token": self.token.to_json(),
            "seconds_left": self.seconds_left,
            "refresh_seconds_left": self.refresh_seconds_left,
            "session_age_s": self.session_age_s,
            "server_date": self.server_date,
            "server_skew_s": self.server_skew_s,
            "node": self.node,
            "error_description": self.error_description,
            "error": self.error,
        }


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def _skew(date: str, at: float, elapsed_ms: float) -> float | None:
    try:
        server = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return round(server - (at + elapsed_ms / 2000), 1)  # Date has 1 s resolution


def probe_record(seq: int, at: float, result: ProbeResult, token: TokenFacts) -> ProbeRecord:
    """A probe's answer as a timeline entry (its parts are already masked by the probe)."""
    date = _header(result.headers, "date")
    node = next(
        (f"{name}: {_header(result.headers, name)}" for name in NODE_HEADERS
         if _header(result.headers, name)),
        "",
    )  # fmt: skip
    described = (c.get("error_description") for c in result.challenges)
    return ProbeRecord(
        seq=seq,
        at=at,
        status=result.status,
        ok=result.ok,
        verdict=result.verdict.kind,
        summary=result.verdict.summary,
        latency_ms=round(result.elapsed_ms, 1),
        token=token,
        server_date=date,
        server_skew_s=_skew(date, at, result.elapsed_ms) if date else None,
        node=node,
        error_description=next((d for d in described if d), ""),
    )


def failed_probe_record(seq: int, at: float, error: str, token: TokenFacts) -> ProbeRecord:
    """A probe that got no answer (connection refused, timeout): the explained error."""
    return ProbeRecord(
        seq=seq,
        at=at,
        status=None,
        ok=False,
        verdict="error",
        summary=error,
        latency_ms=None,
        token=token,
        error=error,
    )


@dataclass(frozen=True)
class RenewRecord:
    """The token was got (`issued`), refreshed, or issued again (no refresh token to use)."""

    at: float
    how: Renewal
    before: TokenFacts | None
    after: TokenFacts | None  # None when it failed
    margin_s: float  # renewed this long before expiry (the setting)
    error: str = ""

    @property
    def seconds_left_before(self) -> float | None:
        return None if self.before is None else _left(self.before.expires_at, self.at)

    def to_json(self) -> dict[str, Any]:
        return {
            **time_fields("at", self.at),
            "how": self.how,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
            "seconds_left_before": self.seconds_left_before,
            "margin_s": self.margin_s,
            "error": self.error,
        }


@dataclass(frozen=True)
class Finding:
    """Something the timeline shows that a person would not see by hand, with its evidence."""

    key: str
    weight: Weight
    title: str
    explanation: str
    evidence: tuple[str, ...]
    at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "weight": self.weight,
            "title": self.title,
            "explanation": self.explanation,
            "evidence": list(self.evidence),
            **time_fields("at", self.at),
        }

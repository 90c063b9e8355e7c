"""One row of the fleet table per profile, built from its doctor run, and the events that carry
rows to a screen as they finish."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.authority_kind import classify
from tokenlab.core.events import Event
from tokenlab.core.fleet.plan import NEEDS_SIGN_IN
from tokenlab.core.terminal_text import inert_line

if TYPE_CHECKING:
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.core.errors import TokenlabError
    from tokenlab.core.profiles import Profile

Outcome = Literal["ok", "fail", "needs_sign_in"]
NOT_ISSUED = "not issued"
FEW_WORDS = 48  # a table cell, not a paragraph: the profile's own doctor tells the rest


def few_words(text: str, limit: int = FEW_WORDS) -> str:
    """The first clause of a message, on one inert line, cut to `limit` characters."""
    line = inert_line(text).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FleetRow:
    profile: str
    scenario: str
    authority_kind: str  # "instance" | "global" | "other" (core/authority_kind.py)
    outcome: Outcome
    flow: str  # the flow run, "" when none was
    token: str  # "ok", "needs sign-in", the OAuth error code, or "not issued"
    api_status: int | None  # the first API call's final HTTP status, None when none was made
    cause: str  # the top ranked cause's title (whole, one line), "" when nothing failed or warned
    cause_key: str
    started_at: float  # epoch seconds
    elapsed_s: float
    token_error: str = ""  # why no token came, in the flow's (masked) words

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def failed(self) -> bool:
        return self.outcome == "fail"

    @property
    def api(self) -> str:
        return "-" if self.api_status is None else str(self.api_status)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "scenario": self.scenario,
            "authority_kind": self.authority_kind,
            "outcome": self.outcome,
            "flow": self.flow,
            "token": self.token,
            "token_ok": self.token == "ok",
            "token_error": self.token_error,
            "api_status": self.api_status,
            "cause": self.cause,
            "cause_key": self.cause_key,
            "started_at": round(self.started_at, 3),
            "started_at_iso": iso_utc(self.started_at),
            "elapsed_s": round(self.elapsed_s, 3),
        }


def _base(profile: Profile, started_at: float, started: float) -> dict[str, Any]:
    return {
        "profile": profile.name,
        "scenario": profile.scenario,
        "authority_kind": classify(profile.authority) if profile.authority else "other",
        "started_at": started_at,
        "elapsed_s": time.perf_counter() - started,
    }


def row_of_run(
    profile: Profile, flow: str, run: DoctorRun, started_at: float, started: float
) -> FleetRow:
    facts = run.diagnosis
    flow_error = run.facts.flow_error
    token_error = ""
    if flow_error is not None:
        # the OAuth error code says it in a word; else the cause column says why
        token = few_words(str(getattr(flow_error, "error", "") or "")) or NOT_ISSUED
        token_error = inert_line(flow_error.message).strip()
    else:
        token = "ok" if run.facts.flow is not None else "not run"
    top = facts.causes[0] if facts.causes else None
    return FleetRow(
        **_base(profile, started_at, started),
        outcome="ok" if facts.api_ok else "fail",
        flow=flow,
        token=token,
        token_error=token_error,
        api_status=run.facts.probe.status if run.facts.probe is not None else None,
        cause=inert_line(top.title).strip() if top else "",
        cause_key=top.key if top else "",
    )


def row_needing_sign_in(profile: Profile, started_at: float, started: float) -> FleetRow:
    return FleetRow(
        **_base(profile, started_at, started),
        outcome="needs_sign_in",
        flow="",
        token=NEEDS_SIGN_IN,
        api_status=None,
        cause="",
        cause_key="",
    )


def row_of_error(
    profile: Profile, flow: str, error: TokenlabError, started_at: float, started: float
) -> FleetRow:
    """A run that could not even start its checklist (a CA bundle that cannot be read, ...)."""
    return FleetRow(
        **_base(profile, started_at, started),
        outcome="fail",
        flow=flow,
        token=NOT_ISSUED,
        token_error=inert_line(error.message).strip(),
        api_status=None,
        cause="",
        cause_key="",
    )


@dataclass(frozen=True, kw_only=True)
class FleetRowStarted(Event):
    """A profile's doctor run started (it had waited for a place among those in flight)."""

    profile: str


@dataclass(frozen=True, kw_only=True)
class FleetRowDone(Event):
    """A profile's row, published as soon as its run finished."""

    row: FleetRow
    done: int  # rows finished so far, this one included
    total: int

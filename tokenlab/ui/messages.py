"""The console's messages: one per core event (posted by the bridge) and one per finished run.

Live progress arrives as bus messages (`BusMessage` and its kinds), each carrying the core's
frozen event as it was published; finished results arrive as `TokenReady`, `DoctorFinished`,
`AuthorityChecked`, `TokenChecked`, `ProbeAnswered`, `RepeatAnswered` (or `RunErrored`), posted by
the run worker with what the core returned. Handlers are `on_<snake_name>`. None bubbles: each
is posted to the main screen, which handles it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

from tokenlab.core.events import (
    DoctorStepDone,
    Event,
    FlowFailed,
    FlowFinished,
    FlowStarted,
    HttpExchange,
    Notice,
    SubscriberFailed,
    TokenIssued,
    UserActionRequired,
)

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.core.errors import TokenlabError
    from tokenlab.core.inspection.token_report import TokenReport
    from tokenlab.core.probing import ProbeResult, RepeatResult
    from tokenlab.core.probing.what_if import WhatIfResult
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import FlowResult

E = TypeVar("E", bound=Event)


class BusMessage(Message, Generic[E], bubble=False):
    """A core event, handed over to the console's message loop."""

    def __init__(self, event: E) -> None:
        super().__init__()
        self.event = event

    @property
    def run_id(self) -> str:
        return self.event.run_id


class RunStarted(BusMessage[FlowStarted], bubble=False):
    """A flow started for a profile."""


class ExchangeRecorded(BusMessage[HttpExchange], bubble=False):
    """One request and its answer, already masked by the core."""


class UserActionNeeded(BusMessage[UserActionRequired], bubble=False):
    """The run waits for the person: open a URL, enter a code, or paste a redirect URL."""


class NoticeShown(BusMessage[Notice], bubble=False):
    """Something to know once: a legacy scope, plain http, a keyring fallback, ..."""


class TokenReceived(BusMessage[TokenIssued], bubble=False):
    """A token was issued (the event holds it masked)."""


class RunFailed(BusMessage[FlowFailed], bubble=False):
    """The flow failed (or was cancelled): message, hint, remedy, OAuth error code."""


class RunFinished(BusMessage[FlowFinished], bubble=False):
    """The flow ended, with or without a token."""


class DoctorStepReported(BusMessage[DoctorStepDone], bubble=False):
    """One step of the doctor's checklist, as soon as it is known."""


class SubscriberBroke(BusMessage[SubscriberFailed], bubble=False):
    """A bus subscriber raised; the bus reported it instead of breaking the run."""


class OtherEventArrived(BusMessage[Event], bubble=False):
    """An event type this console does not know yet: shown by name, never dropped."""


# --- finished runs: the worker's return value, as a message ---------------------------------


class TokenReady(Message, bubble=False):
    """A token run returned its result (holds live tokens: show them masked)."""

    def __init__(self, profile: Profile, result: FlowResult) -> None:
        super().__init__()
        self.profile = profile
        self.result = result


class DoctorFinished(Message, bubble=False):
    """The doctor returned its checklist and ranked causes."""

    def __init__(self, profile: Profile, run: DoctorRun) -> None:
        super().__init__()
        self.profile = profile
        self.run = run


class AuthorityChecked(Message, bubble=False):
    """The profile's authority was inspected."""

    def __init__(self, profile: Profile, report: AuthorityReport) -> None:
        super().__init__()
        self.profile = profile
        self.report = report


class TokenChecked(Message, bubble=False):
    """A token was checked (offline, or verified with the authority's keys)."""

    def __init__(self, report: TokenReport, which: str) -> None:
        super().__init__()
        self.report = report
        self.which = which  # "access" | "id" | "pasted"


class ProbeAnswered(Message, bubble=False):
    """The API answered a probe (or its redirect chain ended)."""

    def __init__(self, profile: Profile, result: ProbeResult) -> None:
        super().__init__()
        self.profile = profile
        self.result = result


class WhatIfAnswered(Message, bubble=False):
    """A what-if replay finished: the first answer and each one-change replay."""

    def __init__(self, profile: Profile, result: WhatIfResult) -> None:
        super().__init__()
        self.profile = profile
        self.result = result


class RepeatAnswered(Message, bubble=False):
    """A repeated probe finished: counts and latencies."""

    def __init__(self, profile: Profile, result: RepeatResult) -> None:
        super().__init__()
        self.profile = profile
        self.result = result


class RunErrored(Message, bubble=False):
    """A run of `pane` raised the core's error (or was cancelled): the pane shows it."""

    def __init__(self, pane: str, error: TokenlabError) -> None:
        super().__init__()
        self.pane = pane
        self.error = error


class SessionEnded(Message, bubble=False):
    """Revoke or sign out finished: what was revoked, and the end-session address (sign out)."""

    def __init__(self, profile: Profile, action: str, revoked: tuple[str, ...], url: str) -> None:
        super().__init__()
        self.profile = profile
        self.action = action  # "revoke" | "sign-out"
        self.revoked = revoked  # "refresh token", "access token"
        self.url = url  # sign out: the end-session address to open in the browser


# -- what the panes ask of the screen -------------------------------------------------------------
# Each pane names its own requests (nested classes: `FlowPane.CopyRequested`, ...), so a handler
# says which pane asked; these bases hold what they carry, written once.


class TextRequest(Message):
    """A request that carries what the person typed or pasted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CopyRequest(Message):
    """Copy `text` to the clipboard; `what` names it for the toast ("sign-in URL", ...)."""

    def __init__(self, text: str, what: str) -> None:
        super().__init__()
        self.text = text
        self.what = what

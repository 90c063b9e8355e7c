"""Clock causes: when a token is judged expired or not yet valid, which clock is off, by how much.

The odd clock out explains a time refusal better than the refusal itself when it is a server's:
a fresh token refused as "not yet valid" by an API whose clock is behind is the API's clock.
When this machine's is the odd one, the servers agree with each other: the refusal stands on
its own, and this machine's clock is only worth fixing too.
"""

from __future__ import annotations

from tokenlab.core.causes.clocks import API, AUTHORITY, THIS_MACHINE, duration
from tokenlab.core.causes.evidence import Evidence
from tokenlab.core.causes.model import (
    ABNORMAL,
    CONTEXT,
    SPECIFIC,
    Cause,
    Meaning,
    Rule,
    Values,
    all_of,
    not_,
)
from tokenlab.core.causes.token import check_key
from tokenlab.core.errors import Remedy, RemedyKind, remedy

TIME_KEYS = ("token-expired", "token-not-yet-valid")
_WHO = {THIS_MACHINE: "this machine", AUTHORITY: "the authority", API: "the API"}
ODD_FIX = {
    API: "the token is fine: the API's clock is wrong; ask the instance's administrators to sync "
    "the API node's clock (NTP)",
    AUTHORITY: "the identity service's clock is wrong, so its tokens look issued in the future or "
    "already expired to everyone else; ask the instance's administrators to sync it (NTP)",
    THIS_MACHINE: "sync this machine's clock (NTP); the servers agree with each other, so their "
    "judgement of the token stands",
    "": "sync the clocks (NTP), this machine's first; if it is right, a server's clock is off",
}


def _time_refusal(e: Evidence) -> bool:
    """The token was judged expired or not yet valid: by the API's words or by our check."""
    said = e.api is not None and any(k in TIME_KEYS for k in e.api.readings)
    return said or any(
        e.check_is(name, "fail") and check_key(e, name) in TIME_KEYS
        for name in ("expiry", "not_before")
    )


def _odd_server(e: Evidence) -> bool:
    return e.clocks is not None and e.clocks.odd in (API, AUTHORITY)


def _clocks_off(e: Evidence) -> bool:
    return e.clocks is not None and e.clocks.off


def _title(e: Evidence, v: Values) -> str:
    return e.clocks.text if e.clocks is not None else "The clocks disagree"


def _fix(e: Evidence, v: Values) -> str:
    return ODD_FIX[e.clocks.odd if e.clocks is not None else ""]


def _remedy(e: Evidence, v: Values) -> Remedy | None:
    if e.clocks is None:
        return None
    clock = e.clocks.odd or THIS_MACHINE
    return remedy(RemedyKind.FIX_CLOCK, clock=clock, offset_s=e.clocks.offset_s)


def readings_text(e: Evidence) -> str:
    if e.clocks is None:
        return ""
    parts = [
        f"{_WHO[name]} {'+' if off >= 0 else '-'}{duration(off)}"
        for name, off in e.clocks.offsets
        if name != THIS_MACHINE
    ]
    return "compared with this machine's clock: " + ", ".join(parts)


def _evidence(e: Evidence) -> str:
    refusal = ""
    if e.api is not None and any(k in TIME_KEYS for k in e.api.readings):
        refusal = f'; the API said: "{e.api.said}"'
    return readings_text(e) + refusal


MEANINGS = {"clock-skew": Meaning(_title, _fix, _remedy)}
RULES = (
    Rule(
        "clock-skew",
        all_of(_time_refusal, _odd_server),
        _evidence,
        SPECIFIC,
        ("api-accepts", "first-200", "time"),
    ),
    Rule(
        "clock-skew",
        all_of(_time_refusal, _clocks_off, not_(_odd_server)),
        _evidence,
        CONTEXT,
        ("time",),
    ),
    Rule(
        "clock-skew",
        all_of(not_(_time_refusal), _clocks_off),
        _evidence,
        ABNORMAL,
        ("time", "authority"),
    ),
)


def with_clock_note(cause: Cause, e: Evidence) -> Cause:
    """A time refusal says what the clocks showed, so "expired" never stands unexplained."""
    if cause.key not in TIME_KEYS or e.clocks is None:
        return cause
    note = (
        e.clocks.text if e.clocks.off else f"{e.clocks.text}: the token's times are what they say"
    )
    return Cause(
        cause.key,
        cause.title,
        f"{cause.evidence}; {note[:1].lower()}{note[1:]}",
        cause.fix,
        cause.remedy,
        cause.steps,
        cause.strength,
    )

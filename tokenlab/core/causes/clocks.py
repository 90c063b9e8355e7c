"""Which clock is off: this machine's, the authority's or the API's, and by how much.

Readings are offsets from this machine's clock in seconds (server minus this machine): the
authority's and the API's from their `Date` headers, and the authority's also from a fresh
token (its `iat` minus the moment this machine received it). With three clocks, the one that
disagrees with the two others is the odd one out; with two, only that they differ is known.
"""

from __future__ import annotations

from dataclasses import dataclass

# The Date header has 1 s resolution and servers allow minutes of leeway: a minute is noise.
CLOCK_TOLERANCE_S = 60.0
# A token whose iat is within this of its arrival was issued just now: iat reads the authority's
# clock (network time and the 1 s resolution of NumericDate are far below it).
FRESH_TOKEN_S = 300.0

THIS_MACHINE = "this-machine"
AUTHORITY = "authority"
API = "api"
_WHO = {THIS_MACHINE: "this machine", AUTHORITY: "the authority", API: "the API"}


def _of(clock: str) -> str:
    return f"{_WHO[clock]}'s"


@dataclass(frozen=True)
class ClockJudgement:
    offsets: tuple[tuple[str, float], ...]  # (clock, offset from this machine's clock), as read
    odd: str  # the clock that disagrees with the others, "" when none does or it cannot be told
    offset_s: float  # the odd clock's offset from the others (+: ahead); else the largest spread
    text: str  # one plain sentence

    @property
    def off(self) -> bool:
        """Some clock is off by more than the tolerance."""
        return bool(self.odd) or abs(self.offset_s) > CLOCK_TOLERANCE_S

    def offset_of(self, clock: str) -> float | None:
        return next((o for c, o in self.offsets if c == clock), None)


def duration(seconds: float) -> str:
    s = abs(seconds)
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def _ahead(offset: float) -> str:
    return "ahead of" if offset > 0 else "behind"


def token_clock_offset(iat: float | None, received_at: float | None) -> float | None:
    """The authority's clock read from a token just issued: iat minus when it arrived here."""
    if iat is None or received_at is None:
        return None
    offset = iat - received_at
    return offset if abs(offset) < 10 * 24 * 3600 else None  # a made-up iat says nothing


def judge_clocks(
    *,
    authority: float | None = None,
    api: float | None = None,
    tolerance: float = CLOCK_TOLERANCE_S,
) -> ClockJudgement | None:
    """The clocks compared; None when fewer than two are known."""
    readings = [(THIS_MACHINE, 0.0)]
    readings += [
        (name, off) for name, off in ((AUTHORITY, authority), (API, api)) if off is not None
    ]
    if len(readings) < 2:
        return None
    offsets = tuple(readings)
    if len(readings) == 3:
        for i, (name, value) in enumerate(readings):
            others = [v for j, (_, v) in enumerate(readings) if j != i]
            agree = abs(others[0] - others[1]) <= tolerance
            delta = value - sum(others) / 2
            if agree and abs(delta) > tolerance:
                rest = " and ".join(_of(n) for j, (n, _) in enumerate(readings) if j != i)
                text = f"{_of(name)} clock is {duration(delta)} {_ahead(delta)} {rest}"
                return ClockJudgement(offsets, name, round(delta, 1), text[0].upper() + text[1:])
    spread = max(v for _, v in readings) - min(v for _, v in readings)
    if spread <= tolerance:
        return ClockJudgement(offsets, "", round(spread, 1), _agree_text(readings, spread))
    if len(readings) == 2:
        name, value = readings[1]
        direction = "ahead" if value > 0 else "behind"
        text = (
            f"This machine's clock and {_of(name)} differ by {duration(value)} "
            f"({_WHO[name]} is {direction})"
        )
    else:
        parts = ", ".join(
            f"{_of(n)} is {duration(v)} {'ahead' if v > 0 else 'behind'}" for n, v in readings[1:]
        )
        text = f"The clocks disagree: compared with this machine's, {parts}"
    return ClockJudgement(offsets, "", round(spread, 1), text)


def _agree_text(readings: list[tuple[str, float]], spread: float) -> str:
    names = " and ".join(_WHO[n] for n, _ in readings)
    return f"The clocks of {names} agree (within {duration(spread)})"

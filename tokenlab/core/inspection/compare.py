"""What differs between two tokens or two claim sets, with the churn every new token has
(iat, exp, jti, a rotated kid...) marked as expected rather than as a finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tokenlab.core.inspection.claims import KNOWN_CLAIMS, TIME_CLAIMS, as_time, scopes_of
from tokenlab.core.inspection.decode import DecodedToken, decode_token

# Claims that differ between any two tokens by design: a change here is expected churn.
CHURN_CLAIMS = frozenset(
    {"iat", "nbf", "exp", "jti", "auth_time", "sid", "nonce", "at_hash", "c_hash", "s_hash"}
)
CHURN_HEADER = frozenset({"kid"})  # keys rotate; a different kid alone is no mistake

Change = Literal["added", "removed", "changed"]
NOT_COMPARABLE = "a different token; reference and opaque tokens cannot be compared by content"


@dataclass(frozen=True)
class ClaimDiff:
    """One difference between two tokens. `name` is `header.X` for a header parameter."""

    name: str
    change: Change
    before: Any
    after: Any
    expected: bool  # churn that every new token has (iat, exp, jti, ...), not a finding
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "expected": self.expected,
            "note": self.note,
        }


def _diff_note(name: str, before: Any, after: Any, expected: bool) -> str:
    delta = time_delta(name, before, after)
    if expected:
        if delta is not None:
            return f"expected: differs in every new token ({delta:+.0f} s)"
        return "expected: differs in every new token"
    if delta is not None:
        return f"{delta:+.0f} s"
    if name == "scope":
        b = set(scopes_of({"scope": before}) or ())
        a = set(scopes_of({"scope": after}) or ())
        parts = []
        if a - b:
            parts.append("granted now: " + " ".join(sorted(a - b)))
        if b - a:
            parts.append("no longer granted: " + " ".join(sorted(b - a)))
        return "; ".join(parts) or "same scopes, other order or form"
    return KNOWN_CLAIMS.get(name, "")


def compare_claims(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    prefix: str = "",
    churn: frozenset[str] = CHURN_CLAIMS,
) -> list[ClaimDiff]:
    """Every added, removed and changed member, in `before`'s order then `after`'s new ones."""
    diffs: list[ClaimDiff] = []
    for name in [*before, *(n for n in after if n not in before)]:
        expected = name in churn
        if name not in after:
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "removed",
                    before[name],
                    None,
                    False,
                    _diff_note(name, before[name], None, False),
                )
            )
        elif name not in before:
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "added",
                    None,
                    after[name],
                    False,
                    _diff_note(name, None, after[name], False),
                )
            )
        elif before[name] != after[name] or type(before[name]) is not type(after[name]):
            diffs.append(
                ClaimDiff(
                    prefix + name,
                    "changed",
                    before[name],
                    after[name],
                    expected,
                    _diff_note(name, before[name], after[name], expected),
                )
            )
    return diffs


def compare_tokens(a: DecodedToken | str, b: DecodedToken | str) -> list[ClaimDiff]:
    """What differs between two tokens: header (as `header.X`) then claims; nothing ignored.

    Churn every new token has (iat, exp, nbf, jti, a rotated kid) is marked `expected`.
    """
    before = a if isinstance(a, DecodedToken) else decode_token(a)
    after = b if isinstance(b, DecodedToken) else decode_token(b)
    diffs: list[ClaimDiff] = []
    if before.kind != after.kind:
        diffs.append(
            ClaimDiff(
                "kind", "changed", before.kind, after.kind, False, "a different kind of token"
            )
        )
    if not comparable(before, after):
        if before.token != after.token:  # whether they differ; never a value (a stored secret)
            diffs.append(ClaimDiff("token", "changed", None, None, False, NOT_COMPARABLE))
        return diffs
    diffs += compare_claims(before.header, after.header, prefix="header.", churn=CHURN_HEADER)
    diffs += compare_claims(before.claims, after.claims)
    return diffs


def time_delta(name: str, before: Any, after: Any) -> float | None:
    """`after - before` in seconds for a time claim present on both sides, else None."""
    if name not in TIME_CLAIMS:
        return None
    t0, t1 = as_time(before), as_time(after)
    return None if t0 is None or t1 is None else t1 - t0


def comparable(a: DecodedToken, b: DecodedToken) -> bool:
    """Both carry readable claims (JWTs); a reference or opaque token is compared only whole."""
    return a.kind not in ("reference", "opaque") and b.kind not in ("reference", "opaque")


@dataclass(frozen=True)
class TokenDiff:
    """Two tokens compared: every difference, and the ones a person asks about first (scopes
    as sets, times as deltas, the header's kid/alg/typ)."""

    kinds: tuple[str, str]
    comparable: bool
    same: bool
    diffs: tuple[ClaimDiff, ...]
    scopes_added: tuple[str, ...] = ()
    scopes_removed: tuple[str, ...] = ()
    time_deltas: tuple[tuple[str, float], ...] = ()  # (claim, after - before seconds)

    @property
    def header_changes(self) -> tuple[ClaimDiff, ...]:
        return tuple(d for d in self.diffs if d.name.startswith("header."))

    @property
    def findings(self) -> tuple[ClaimDiff, ...]:
        """The differences that are not churn every new token has."""
        return tuple(d for d in self.diffs if not d.expected)

    def summary_lines(self) -> list[str]:
        """What differs, in a few plain lines (shared by the CLI and the console)."""
        if not self.comparable:
            what = "the same token" if self.same else "different tokens"
            return [f"{what}; reference and opaque tokens cannot be compared by content"]
        if not self.diffs:
            return ["the tokens have the same header and claims"]
        lines = []
        if self.scopes_added or self.scopes_removed:
            added = " ".join(self.scopes_added) or "none"
            removed = " ".join(self.scopes_removed) or "none"
            lines.append(f"scopes: added {added}; removed {removed}")
        if self.time_deltas:
            lines.append("times: " + ", ".join(f"{n} {d:+.0f} s" for n, d in self.time_deltas))
        for d in self.header_changes:
            lines.append(
                f"header: {d.name[7:]} {d.change}" + (" (keys rotate)" if d.expected else "")
            )
        churn = len(self.diffs) - len(self.findings)
        lines.append(f"{len(self.diffs)} difference(s), {churn} expected in every new token")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "same": self.same,
            "comparable": self.comparable,
            "kinds": list(self.kinds),
            "scopes": {"added": list(self.scopes_added), "removed": list(self.scopes_removed)},
            "time_deltas_s": {name: delta for name, delta in self.time_deltas},
            "header_changes": [d.to_json() for d in self.header_changes],
            "differences": [d.to_json() for d in self.diffs],
            "summary": self.summary_lines(),
        }


def diff_tokens(a: DecodedToken | str, b: DecodedToken | str) -> TokenDiff:
    """`compare_tokens`, with the scopes as sets and the times as deltas."""
    before = a if isinstance(a, DecodedToken) else decode_token(a)
    after = b if isinstance(b, DecodedToken) else decode_token(b)
    diffs = tuple(compare_tokens(before, after))
    kinds = (str(before.kind), str(after.kind))
    if not comparable(before, after):
        return TokenDiff(kinds, False, before.token == after.token, diffs)
    had = set(scopes_of(before.claims) or ())
    has = set(scopes_of(after.claims) or ())
    deltas = tuple(
        (d.name, delta)
        for d in diffs
        if (delta := time_delta(d.name, d.before, d.after)) is not None
    )
    return TokenDiff(
        kinds, True, not diffs, diffs, tuple(sorted(has - had)), tuple(sorted(had - has)), deltas
    )

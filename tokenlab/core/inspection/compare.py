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
    if expected:
        t0, t1 = as_time(before), as_time(after)
        if name in TIME_CLAIMS and t0 is not None and t1 is not None:
            return f"expected: differs in every new token ({t1 - t0:+.0f} s)"
        return "expected: differs in every new token"
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
    if before.kind in ("reference", "opaque") or after.kind in ("reference", "opaque"):
        if before.token != after.token:
            diffs.append(
                ClaimDiff(
                    "token", "changed", before.masked, after.masked, False, "a different token"
                )
            )
        return diffs
    diffs += compare_claims(before.header, after.header, prefix="header.", churn=CHURN_HEADER)
    diffs += compare_claims(before.claims, after.claims)
    return diffs

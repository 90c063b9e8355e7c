"""A cause: what most likely went wrong, the evidence for it, and what to do about it.

The table of causes is data: `Meaning`s (what a cause key means: title, fix, remedy) and `Rule`s
(when the evidence shows that cause, how strongly, and which checklist steps it explains).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokenlab.core.errors import Remedy

if TYPE_CHECKING:
    from tokenlab.core.causes.evidence import Evidence

# How directly the evidence shows a cause; causes are ranked by it, strongest first.
REGISTERED = 120  # the instance's own registration, read with an administrator's token, says so
SPECIFIC = 110  # a sharper reading of direct evidence (the odd clock behind an "expired")
DIRECT = 100  # the party that failed said so: its error code, its own words, its status
CHECKED = 80  # our own check found it; the failing party did not say
CONTEXT = 50  # true and related, but not what failed (this machine's clock when servers agree)
ABNORMAL = 30  # a warning: something is off, though nothing failed because of it
UNEXPLAINED = 20  # the failure is known, its reason is not

Values = Mapping[str, str]
Text = str | Callable[["Evidence", Values], str]
Test = Callable[["Evidence"], bool]
MakeRemedy = Callable[["Evidence", Values], Remedy | None]


@dataclass(frozen=True)
class Cause:
    """One candidate for what went wrong, ranked; `fix` is plain words, `remedy` the step as data."""

    key: str  # stable: the same key as the probe verdict's kind for the same evidence
    title: str
    evidence: str
    fix: str
    remedy: Remedy | None = None
    steps: tuple[str, ...] = ()  # the checklist steps this cause explains
    strength: int = DIRECT

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "evidence": self.evidence,
            "fix": self.fix,
            "remedy": self.remedy.to_json() if self.remedy else None,
            "steps": list(self.steps),
        }


@dataclass(frozen=True)
class Meaning:
    """What a cause key means. `title` and `fix` are `str.format` templates over the values."""

    title: Text
    fix: Text
    remedy: MakeRemedy | None = None
    supersedes: tuple[str, ...] = ()  # keys this cause makes redundant when both are found


@dataclass(frozen=True)
class Rule:
    """When `when` holds for the evidence, the cause `key` is a candidate with this strength."""

    key: str
    when: Test
    evidence: Callable[[Evidence], str]
    strength: int | Callable[[Evidence], int] = DIRECT
    steps: tuple[str, ...] = ()
    values: Callable[[Evidence], Values] | None = None  # extra template values for this rule


class TemplateValues(dict[str, str]):
    """Template values that never raise on a missing name (a server's text is never a template)."""

    def __missing__(self, key: str) -> str:
        return f"({key} unknown)"


def fill(text: Text, evidence: Evidence, values: Values) -> str:
    if callable(text):
        return text(evidence, values)
    return text.format_map(TemplateValues(values))


def lower_first(text: str) -> str:
    """`The token…` → `the token…`, for a title inside a sentence (names keep their case)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def all_of(*tests: Test) -> Test:
    return lambda e: all(t(e) for t in tests)


def not_(test: Test) -> Test:
    return lambda e: not test(e)

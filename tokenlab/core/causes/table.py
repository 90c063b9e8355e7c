"""The one table of causes: every rule and every meaning, and the ranking that reads them.

`rank(evidence)` returns the causes the evidence shows, strongest first (table order breaks
ties); a key appears once, with the evidence of every rule that found it. The probe's verdict,
the token endpoint's explanation and the doctor's diagnosis all call it.
"""

from __future__ import annotations

from tokenlab.core.causes import (
    api,
    clock_rules,
    refusals,
    registration,
    run,
    token,
    token_endpoint,
)
from tokenlab.core.causes.evidence import Evidence, common_values
from tokenlab.core.causes.model import Cause, Meaning, Rule, fill

MEANINGS: dict[str, Meaning] = {
    **token_endpoint.MEANINGS,
    **token.MEANINGS,
    **refusals.MEANINGS,
    **api.MEANINGS,
    **run.MEANINGS,
    **clock_rules.MEANINGS,
    **registration.MEANINGS,
}
RULES: tuple[Rule, ...] = (
    *registration.RULES,
    *token_endpoint.RULES,
    *clock_rules.RULES,
    *refusals.RULES,
    *api.RULES,
    *token.RULES,
    *run.RULES,
)


def make_cause(rule: Rule, e: Evidence) -> Cause:
    meaning = MEANINGS[rule.key]
    values = common_values(e)
    if rule.values is not None:
        values |= rule.values(e)
    strength = rule.strength(e) if callable(rule.strength) else rule.strength
    return Cause(
        rule.key,
        fill(meaning.title, e, values),
        rule.evidence(e),
        fill(meaning.fix, e, values),
        meaning.remedy(e, values) if meaning.remedy is not None else None,
        rule.steps,
        strength,
    )


def rank(e: Evidence) -> tuple[Cause, ...]:
    """Every cause the evidence shows, the most likely first."""
    found = [make_cause(rule, e) for rule in RULES if rule.when(e)]
    found.sort(key=lambda c: -c.strength)  # stable: table order breaks ties
    merged: dict[str, Cause] = {}
    for cause in found:
        merged[cause.key] = _merge(merged[cause.key], cause) if cause.key in merged else cause
    superseded = {k for key in merged for k in MEANINGS[key].supersedes}
    kept = [c for key, c in merged.items() if key not in superseded]
    for key in superseded & merged.keys():  # its evidence still counts, under the sharper cause
        owner = next(c for c in kept if key in MEANINGS[c.key].supersedes)
        kept[kept.index(owner)] = _merge(owner, merged[key])
    return tuple(clock_rules.with_clock_note(c, e) for c in kept)


def _merge(first: Cause, other: Cause) -> Cause:
    evidence = first.evidence
    if other.evidence and other.evidence not in evidence:
        evidence = f"{evidence}; {other.evidence}" if evidence else other.evidence
    steps = tuple(dict.fromkeys((*first.steps, *other.steps)))
    return Cause(first.key, first.title, evidence, first.fix, first.remedy, steps, first.strength)


def top_cause(e: Evidence, step: str = "") -> Cause | None:
    """The most likely cause (of one checklist step, when given)."""
    return next((c for c in rank(e) if not step or step in c.steps), None)

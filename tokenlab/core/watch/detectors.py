"""The findings watch mode looks for, as a table: each detector reads the timeline and says what
it sees in the newest entries, with its evidence; the timeline reports each finding once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tokenlab.core.watch.records import Finding, ProbeRecord, RenewRecord, Weight
from tokenlab.core.watch.times import duration_text, iso_utc

EARLY_S = 5.0  # a 401 with more time than this left on the token was not its expiry
IN_STEP_S = 2.0  # Date has 1 s resolution: a difference this small is no clock difference


@dataclass(frozen=True)
class Hit:
    subject: str  # what it is about (a token id, ...): a finding is reported once per subject
    title: str
    explanation: str
    evidence: tuple[str, ...]


class Timeline:
    """Every probe and renewal of one watch, and the findings made from them."""

    def __init__(self, refresh_warn_s: float) -> None:
        self.refresh_warn_s = refresh_warn_s
        self.probes: list[ProbeRecord] = []
        self.renewals: list[RenewRecord] = []
        self.findings: list[Finding] = []
        self._reported: set[tuple[str, str]] = set()

    def add_probe(self, record: ProbeRecord) -> list[Finding]:
        self.probes.append(record)
        return self._detect(record.at)

    def add_renewal(self, record: RenewRecord) -> list[Finding]:
        self.renewals.append(record)
        return self._detect(record.at)

    def _detect(self, at: float) -> list[Finding]:
        new: list[Finding] = []
        for detector in DETECTORS:
            hit = detector.check(self)
            if hit is None or (detector.key, hit.subject) in self._reported:
                continue
            self._reported.add((detector.key, hit.subject))
            finding = Finding(
                detector.key, detector.weight, hit.title, hit.explanation, hit.evidence, at
            )
            self.findings.append(finding)
            new.append(finding)
        return new


def _clock_words(skew: float | None) -> str:
    if skew is None:
        return "no usable Date header"
    if abs(skew) <= IN_STEP_S:
        return "in step with this machine's clock"
    return f"{duration_text(abs(skew))} {'ahead of' if skew > 0 else 'behind'} this machine's clock"


def _answered_by(p: ProbeRecord) -> str:
    node = p.node or "a node that does not name itself"
    date = f"Date {p.server_date}" if p.server_date else "no Date header"
    return f"{node}; {date} ({_clock_words(p.server_skew_s)})"


def _why_refused(description: str, kid: str) -> str:
    text = description.lower()
    if "signature key" in text or "signature is invalid" in text:
        return (
            f"The refusing node does not know the key this token was signed with (kid {kid or '?'}):"
            " a key rotation that reached only some nodes, or a node with an old key set cached."
        )
    if "expired" in text or "not valid before" in text:
        return (
            "The refusing node judged the token's lifetime by its own clock: that node's clock is"
            " off (compare its Date header with the others')."
        )
    return "Compare the nodes' answers below: the refusing one validates tokens differently."


def intermittent_401(t: Timeline) -> Hit | None:
    """The same token accepted by one request and refused with 401 by another."""
    if not t.probes:
        return None
    token = t.probes[-1].token
    same = [p for p in t.probes if p.token.token_id == token.token_id]
    refused = next((p for p in same if p.status == 401), None)
    accepted = next((p for p in same if p.ok), None)
    if refused is None or accepted is None:
        return None
    evidence = [
        f"token {token.token_id} (kid {token.kid or '-'}): accepted at probe #{accepted.seq}, "
        f"refused with 401 at probe #{refused.seq}",
        f"refused by {_answered_by(refused)}",
        f"accepted by {_answered_by(accepted)}",
    ]
    if refused.error_description:
        evidence.append(f"the API said: {refused.error_description}")
    return Hit(
        token.token_id,
        "intermittent 401: the same token is accepted, then refused",
        "The API URL is served by more than one node and they do not agree on this token. "
        + _why_refused(refused.error_description, token.kid),
        tuple(evidence),
    )


def rejected_before_exp(t: Timeline) -> Hit | None:
    """A 401 for a token that, by its own `exp`, still had time left."""
    last = t.probes[-1] if t.probes else None
    left = last.seconds_left if last else None
    if last is None or last.status != 401 or left is None or left <= EARLY_S:
        return None
    evidence = [
        f"token {last.token.token_id} expires at {iso_utc(last.token.expires_at)}: "
        f"{duration_text(left)} left when probe #{last.seq} was refused",
        f"answered by {_answered_by(last)}",
    ]
    if last.error_description:
        evidence.append(f"the API said: {last.error_description}")
    return Hit(
        last.token.token_id,
        "token refused before its expiry",
        "The API refused a token that had not expired by its own exp claim, so waiting for a "
        "refresh will not help. " + _why_refused(last.error_description, last.token.kid),
        tuple(evidence),
    )


def fewer_scopes(t: Timeline) -> Hit | None:
    """A refresh or re-issue that returned fewer scopes than the token it replaced."""
    last = t.renewals[-1] if t.renewals else None
    if last is None or last.before is None or last.after is None:
        return None
    lost = [s for s in last.before.scopes if s not in last.after.scopes]
    if not lost:
        return None
    return Hit(
        last.after.token_id,
        f"the {last.how} token has fewer scopes: {' '.join(lost)} lost",
        "The identity service narrowed the grant when it renewed the token, so calls that need "
        "the lost scopes will now be refused (403). A scope was removed from the application's "
        "registration or the user's consent, or the refresh asked for less.",
        (
            f"before ({last.before.token_id}): {' '.join(last.before.scopes) or '-'}",
            f"after ({last.after.token_id}): {' '.join(last.after.scopes) or '-'}",
        ),
    )


def refresh_token_expiring(t: Timeline) -> Hit | None:
    """The refresh token expires within the warning margin: an unattended job would stop then."""
    latest = [r.after for r in t.renewals[-1:] if r.after] + [p.token for p in t.probes[-1:]]
    facts = next((f for f in latest if f.refresh_expires_at is not None), None)
    now = max([r.at for r in t.renewals[-1:]] + [p.at for p in t.probes[-1:]], default=None)
    if facts is None or facts.refresh_expires_at is None or now is None:
        return None
    left = facts.refresh_expires_at - now
    if left > t.refresh_warn_s:
        return None
    return Hit(
        f"refresh:{facts.refresh_expires_at:.0f}",
        f"the refresh token expires in {duration_text(left)}",
        "When the refresh token expires, refreshing fails with invalid_grant and an unattended "
        "job stops until someone signs in again: sign in again before then.",
        (
            f"the refresh token expires at {iso_utc(facts.refresh_expires_at)} "
            f"({duration_text(left)} from now)",
            f"warned up to {duration_text(t.refresh_warn_s)} ahead",
        ),
    )


def renewal_failed(t: Timeline) -> Hit | None:
    """The token could not be refreshed or issued again: the next probes use an old token."""
    last = t.renewals[-1] if t.renewals else None
    if last is None or not last.error:
        return None
    return Hit(
        f"renew:{last.before.token_id if last.before else 'first'}",
        f"the token could not be {'refreshed' if last.how == 'refreshed' else 'issued'}",
        "Watch mode renews the token before it expires; this time the identity service did not "
        "give a new one, so the API will refuse the old one once it expires.",
        (last.error,),
    )


@dataclass(frozen=True)
class Detector:
    key: str
    weight: Weight
    check: Callable[[Timeline], Hit | None]


DETECTORS: tuple[Detector, ...] = (
    Detector("intermittent-401", "failure", intermittent_401),
    Detector("rejected-before-exp", "failure", rejected_before_exp),
    Detector("fewer-scopes", "failure", fewer_scopes),
    Detector("refresh-token-expiring", "warning", refresh_token_expiring),
    Detector("renewal-failed", "failure", renewal_failed),
)

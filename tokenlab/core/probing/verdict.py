"""The verdict on one API answer: the evidence it gives, read by the table of causes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES, classify
from tokenlab.core.causes import (
    ApiEvidence,
    BusinessError,
    ClockJudgement,
    Evidence,
    rank,
    read_words,
)
from tokenlab.core.causes.model import lower_first
from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.probing.result import ProbeBody, RedirectHop, Verdict
from tokenlab.core.redact import Redactor
from tokenlab.core.reference_tokens import PREFIX as REFERENCE_PREFIX
from tokenlab.core.terminal_text import inert_line
from tokenlab.core.token_set import TokenSet
from tokenlab.core.www_authenticate import Challenge, find_challenge


@dataclass(frozen=True)
class Answered:
    """What one probe sent and got back, before it is read."""

    status: int
    method: str
    token: str
    token_set: TokenSet | None
    sent_credentials: tuple[str, ...]
    expects_json: bool
    body: ProbeBody
    challenges: list[Challenge]
    sign_in: str
    hops: tuple[RedirectHop, ...]
    too_many_redirects: bool
    redactor: Redactor
    final_url: str = ""
    clock_skew_s: float | None = None
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES

    @property
    def bearer(self) -> Challenge | None:
        return find_challenge(self.challenges, "Bearer") or (
            self.challenges[0] if self.challenges else None
        )

    def clean(self, value: Any, limit: int) -> str:
        """A quote of the server's words: masked, on one line, inert, at most `limit` long."""
        return inert_line(self.redactor.text(str(value)))[:limit]

    def said(self) -> str:
        """The server's own explanation: error_description, else the body's message."""
        challenge = self.bearer
        text = (challenge.error_description if challenge else None) or ""
        if not text and isinstance(self.body.data, dict):
            for key in ("error_description", "message", "error"):
                if isinstance(self.body.data.get(key), str) and self.body.data[key]:
                    text = self.body.data[key]
                    break
        return self.clean(text, 300)


def _unverified_issuer(token: str) -> str:
    """`iss` of a JWT read without trusting it (only to name the global authority)."""
    try:
        issuer = decode_token(token).claims.get("iss")
    except TokenFormatError:
        return ""
    return issuer if isinstance(issuer, str) and len(issuer) < 300 else ""


def _challenge_scopes(a: Answered) -> tuple[str, ...]:
    challenge = a.bearer
    scopes = challenge.scope if challenge else ()
    data = a.body.data
    if not scopes and isinstance(data, dict) and isinstance(data.get("scope"), str):
        scopes = tuple(data["scope"].split())
    return tuple(a.clean(s, 100) for s in scopes)


def _business(a: Answered) -> BusinessError | None:
    data = a.body.data if isinstance(a.body.data, dict) else {}
    message = data.get("message")
    if not isinstance(message, str) or not ("code" in data or "type" in data):
        return None
    return BusinessError(
        a.clean(message, 300),
        a.clean(data.get("code") or "", 120),
        a.clean(data.get("type") or "", 120),
        a.clean(data["info"], 200) if isinstance(data.get("info"), str) else "",
    )


def api_evidence(a: Answered) -> ApiEvidence:
    said = a.said()
    challenge = a.bearer
    error = a.clean(challenge.error or "", 100) if challenge else ""
    reading = read_words(said, error)
    issuer = _unverified_issuer(a.token) if a.token else ""
    rows = a.body.data.get("value") if isinstance(a.body.data, dict) else None
    return ApiEvidence(
        status=a.status,
        method=a.method,
        url=a.final_url,
        credentials=a.sent_credentials,
        reference_token=a.token.startswith(REFERENCE_PREFIX),
        token_issuer=a.clean(issuer, 300),
        global_issuer=bool(issuer) and classify(issuer, a.global_authorities) == "global",
        token_scopes=a.token_set.scope if a.token_set is not None else None,
        challenge_error=error,
        challenge_scopes=_challenge_scopes(a),
        has_challenge=bool(a.challenges),
        said=said,
        readings=reading.keys,
        words_family=reading.family,
        body_kind=a.body.kind,
        body_title=a.body.title,
        expects_json=a.expects_json,
        business=_business(a),
        rows=len(rows) if isinstance(rows, list) else None,
        sign_in=a.sign_in,
        redirects=len(a.hops),
        too_many_redirects=a.too_many_redirects,
        clock_skew_s=a.clock_skew_s,
    )


def judge(api: ApiEvidence, clocks: ClockJudgement | None = None) -> Verdict:
    """`ok` for the seed's success; otherwise the table's most likely cause, and the others."""
    if api.accepted:
        what = f", {api.rows} row(s)" if api.rows is not None else ""
        kind = api.body_kind.upper() if api.body_kind in ("json", "html") else api.body_kind
        return Verdict(True, "ok", f"the API accepted the token: {api.status}, {kind}{what}")
    causes = rank(Evidence(api=api, clocks=clocks))
    if not causes:  # every answer matches some rule; this only guards the invariant
        return Verdict(False, "unexpected-status", f"the API answered {api.status}")
    first = causes[0]
    return Verdict(
        False,
        first.key,
        f"{lower_first(first.title)} ({first.evidence})",
        first.fix,
        api.challenge_scopes if first.key == "insufficient-scope" else (),
        first.remedy,
        causes,
    )

"""What-if replay: when the API refuses a call, send it again changing ONE thing at a time.

Each variation is a row of `VARIATIONS`: its name, when it applies, and how it changes the
request. A replay never changes more than one aspect of the call (the token, the header that
carries it, or the request itself); `aspects_changed` checks that on what was really sent, and
a replay that would break the rule is not reported as one. Every replay goes through `probe`,
so the token goes only to the profile's API origin and each request is an `HttpExchange` on the
caller's bus (a new token comes from the caller's `issue`, which runs the profile's flow).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.probing.result import ProbeResult
from tokenlab.core.probing.send import probe
from tokenlab.core.profiles import ProbeRequest, Profile
from tokenlab.core.redact import Redactor
from tokenlab.core.reference_tokens import PREFIX as REFERENCE_PREFIX
from tokenlab.core.scopes import PROTOCOL_SCOPES
from tokenlab.core.token_set import TokenSet

Issuer = Callable[[Profile], Awaitable[TokenSet]]  # runs the (possibly changed) profile's flow
SEED_CALL = ProbeRequest()  # the seed's first call: GET Crm_Sales_Customers?$top=1, JSON
OPTIONAL_SCOPES = frozenset({*PROTOCOL_SCOPES, "email", "address", "phone"})
OTHER_HEADER = {"authorization": "x-api-key", "x-api-key": "authorization"}
HEADER_WORDS = {"authorization": "Authorization: Bearer", "x-api-key": "X-Api-Key"}


@dataclass(frozen=True)
class Call:
    """The call as first sent: the token, its header and the request (None: the profile's)."""

    token: TokenSet | str
    header: str = "authorization"
    method: str | None = None
    path: str | None = None
    body: str | None = None

    @property
    def value(self) -> str:
        return _value(self.token)

    @property
    def is_reference(self) -> bool:
        return self.value.startswith(REFERENCE_PREFIX)

    def scopes(self) -> tuple[str, ...] | None:
        """The token's scopes: as issued, else read from a JWT; None when unknown."""
        if isinstance(self.token, TokenSet) and self.token.scope:
            return self.token.scope
        try:
            scope = decode_token(self.value).claims.get("scope")
        except TokenFormatError:
            return None
        if isinstance(scope, str):
            return tuple(scope.split())
        return tuple(str(s) for s in scope) if isinstance(scope, list) else None


@dataclass(frozen=True)
class WhatIf:
    """What a variation needs: the profile, the first call, and how to get another token."""

    profile: Profile
    call: Call
    issue: Issuer | None


@dataclass(frozen=True)
class Change:
    """One changed aspect: a new token (made by `issue` on `profile`), header or request."""

    aspect: str  # "token" | "header" | "request"
    profile: Profile | None = None  # a token: issued for this profile (its scopes)
    header: str | None = None
    request: ProbeRequest | None = None


# -- the table of variations ---------------------------------------------------------------------


def _needs_issuer(w: WhatIf) -> str:
    if w.issue is None:
        return "no flow can issue another token here"
    if w.profile.scenario == "automation":
        return "a reference token is created in the instance, not issued by a flow"
    return ""


def _fresh_when(w: WhatIf) -> str:
    if w.call.is_reference:
        return "a reference token is created in the instance, not issued by a flow"
    return _needs_issuer(w)


def _other_header_when(w: WhatIf) -> str:
    if not w.call.is_reference:
        return "only a reference token (enrt_...) may go in either header"
    return "" if w.call.header.lower() in OTHER_HEADER else "unknown header"


def _profile_scopes_when(w: WhatIf) -> str:
    if why := _needs_issuer(w) or ("the token is a reference token" if w.call.is_reference else ""):
        return why
    have = w.call.scopes()
    if have is None:
        return "the token's scopes are not known"
    if set(have) == set(w.profile.scopes):
        return "the token already has the scopes the profile lists"
    return ""


def _required_scopes(profile: Profile) -> tuple[str, ...]:
    return tuple(s for s in profile.scopes if s not in OPTIONAL_SCOPES)


def _without_optional_when(w: WhatIf) -> str:
    if why := _needs_issuer(w) or ("the token is a reference token" if w.call.is_reference else ""):
        return why
    required = _required_scopes(w.profile)
    if not required or len(required) == len(w.profile.scopes):
        return "the profile lists no optional scopes (openid, profile, offline_access, ...)"
    return ""


def _seed_call_when(w: WhatIf) -> str:
    c, p = w.call, w.profile.probe
    method = (c.method or p.method).upper()
    path = p.path if c.path is None else c.path
    body = p.body if c.body is None else c.body
    if (method, path, body) == (SEED_CALL.method, SEED_CALL.path, SEED_CALL.body):
        return "the call is already the seed's first call"
    return ""


@dataclass(frozen=True)
class Variation:
    name: str
    applies_when: Callable[[WhatIf], str]  # "" when it applies, else why not
    change: Callable[[WhatIf], Change]
    words: str  # how it changes the call, in words
    meaning: str  # what it means when this change flips the answer


VARIATIONS: tuple[Variation, ...] = (
    Variation(
        "fresh-token",
        _fresh_when,
        lambda w: Change("token", profile=w.profile),
        "a freshly issued token (the profile's flow run again)",
        "the old token was the problem: expired, revoked, or signed with a key the API no "
        "longer trusts; get a new token before each run",
    ),
    Variation(
        "other-header",
        _other_header_when,
        lambda w: Change("header", header=OTHER_HEADER[w.call.header.lower()]),
        "the reference token in the other header",
        "this API reads the reference token from the other header only",
    ),
    Variation(
        "profile-scopes",
        _profile_scopes_when,
        lambda w: Change("token", profile=w.profile),
        "a token with the scopes the profile lists",
        "the token's scopes were the problem: ask for the scopes the profile lists",
    ),
    Variation(
        "without-optional-scopes",
        _without_optional_when,
        lambda w: Change("token", profile=replace(w.profile, scopes=_required_scopes(w.profile))),
        "a token without the optional scopes (openid, profile, offline_access, ...)",
        "an optional scope made the token unacceptable: ask only for the API's scopes",
    ),
    Variation(
        "seed-first-call",
        _seed_call_when,
        lambda w: Change("request", request=SEED_CALL),
        "the seed's first call (GET Crm_Sales_Customers?$top=1) instead of this request",
        "the token is fine: the request itself (path, method, body or the rights on this "
        "entity set) is what the API refuses",
    ),
)


# -- the result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    variation: str
    words: str
    applies: bool
    why_not: str = ""  # when it does not apply, or could not be sent
    result: ProbeResult | None = None
    changed: tuple[str, ...] = ()  # the aspects that differ from the first call, as sent

    @property
    def flipped(self) -> bool:
        return self.result is not None and self.result.ok

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "variation": self.variation,
            "change": self.words,
            "applies": self.applies,
            "why_not": self.why_not,
            "changed": list(self.changed),
            "flipped": self.flipped,
            "status": r.status if r else None,
            "token": r.token if r else None,
            "token_header": r.token_header if r else None,
            "request": {"method": r.method, "url": r.url} if r else None,
            "verdict": r.verdict.to_json() if r else None,
        }


INTERMITTENT = (
    "the same call, unchanged, was accepted on a second try: the API answers differently from "
    "one call to the next (a node with another clock or key set?), so no single change can be "
    "credited; watch the API over time to see which node refuses"
)


@dataclass(frozen=True)
class WhatIfResult:
    original: ProbeResult
    replays: tuple[Replay, ...]
    control: ProbeResult | None = None  # the same call sent again, nothing changed

    @property
    def intermittent(self) -> bool:
        """The unchanged call flipped by itself: any other flip may be the same luck."""
        return self.control is not None and self.control.ok

    @property
    def flips(self) -> tuple[Replay, ...]:
        return tuple(r for r in self.replays if r.flipped)

    @property
    def summary(self) -> str:
        if self.original.ok:
            return "the API accepted the call: nothing to replay"
        if self.intermittent:
            return INTERMITTENT
        if not any(r.result for r in self.replays):
            return "no variation applied to this call"
        flips = self.flips
        if not flips:
            return "no single change made the API accept the call: the cause is not in the call"
        meaning = {v.name: v.meaning for v in VARIATIONS}
        return "; ".join(f"{r.variation} flips it: {meaning[r.variation]}" for r in flips)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.original.ok,
            "flipped_by": [r.variation for r in self.flips],
            "intermittent": self.intermittent,
            "summary": self.summary,
            "original": self.original.to_json(),
            "control": self.control.to_json() if self.control else None,
            "replays": [r.to_json() for r in self.replays],
        }


def _value(token: TokenSet | str) -> str:
    return token.access_token if isinstance(token, TokenSet) else token


# -- running it ----------------------------------------------------------------------------------


def aspects_changed(
    first: ProbeResult, first_token: str, replayed: ProbeResult, token: str
) -> tuple[str, ...]:
    """Which aspects of the sent calls differ: the token (compared whole, not by its masked
    form: two JWTs often mask alike), the header that carried it, the request."""
    changed = []
    if first_token != token:
        changed.append("token")
    if first.token_header.lower() != replayed.token_header.lower():
        changed.append("header")
    if (first.method, first.url) != (replayed.method, replayed.url):
        changed.append("request")
    return tuple(changed)


async def what_if(
    client: httpx.AsyncClient,
    profile: Profile,
    call: Call,
    *,
    issue: Issuer | None = None,
    redactor: Redactor | None = None,
    first: ProbeResult | None = None,
) -> WhatIfResult:
    """Probe `call` (unless `first` is its result); when refused, send it once more unchanged
    (the control: an API that answers differently from one call to the next makes every flip
    suspect), then replay each variation that applies."""
    redactor = redactor or Redactor()
    send = _sender(client, profile, call, redactor)
    original = first or await send(Change("none"), call.token)
    if original.ok:
        return WhatIfResult(original, ())
    # the control: the call again, unchanged; if it flips alone, the answer is not the call's
    control = await send(Change("none"), call.token)
    w = WhatIf(profile, call, issue)
    replays = [await _replay(w, v, original, send) for v in VARIATIONS]
    return WhatIfResult(original, tuple(replays), control)


Sender = Callable[[Change, "TokenSet | str"], Awaitable[ProbeResult]]


def _sender(client: httpx.AsyncClient, profile: Profile, call: Call, redactor: Redactor) -> Sender:
    async def send(change: Change, token: TokenSet | str) -> ProbeResult:
        request = change.request
        return await probe(
            client,
            profile,
            token,
            header=change.header or call.header,
            method=request.method if request else call.method,
            path=request.path if request else call.path,
            body=request.body if request else call.body,
            headers=dict(request.headers) if request else None,
            redactor=redactor,
        )

    return send


async def _replay(w: WhatIf, v: Variation, original: ProbeResult, send: Sender) -> Replay:
    why_not = v.applies_when(w)
    if why_not:
        return Replay(v.name, v.words, False, why_not)
    change = v.change(w)
    try:
        token: TokenSet | str = w.call.token
        if change.aspect == "token" and change.profile is not None and w.issue is not None:
            token = await w.issue(change.profile)
        result = await send(change, token)
    except TokenlabError as exc:
        return Replay(v.name, v.words, True, f"could not replay: {exc.message}")
    changed = aspects_changed(original, w.call.value, result, _value(token))
    if len(changed) != 1:  # the one-change rule, checked on what was really sent
        why = "the replay did not change exactly one thing (" + (", ".join(changed) or "none")
        return Replay(v.name, v.words, True, why + "): not counted", None, changed)
    return Replay(v.name, v.words, True, "", result, changed)

"""401 refusals: no token, a global authority's token, what the API's own words name, and the
refusals that name nothing (unexplained, with the checks that passed listed).
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.causes.api import ACCEPTS, api_of, api_rule, checks_passed, said, status_is
from tokenlab.core.causes.api_words import ERROR_CODES, WORDINGS
from tokenlab.core.causes.evidence import Evidence
from tokenlab.core.causes.model import (
    CHECKED,
    DIRECT,
    SPECIFIC,
    UNEXPLAINED,
    Meaning,
    Rule,
    Test,
    Values,
    all_of,
    not_,
)
from tokenlab.core.errors import Remedy, RemedyKind, remedy

# Every cause key the API's words can name, read from the wordings themselves.
WORD_KEYS = tuple(dict.fromkeys([*(w.key for w in WORDINGS), *ERROR_CODES.values()]))


def _missing_evidence(e: Evidence) -> str:
    a = api_of(e)
    return "HTTP 401 with no token sent" + (", a Bearer challenge" if a.has_challenge else "")


def _global_evidence(e: Evidence) -> str:
    a = api_of(e)
    words = f'; the API said: "{a.said}"' if a.said else ""
    return f"iss={a.token_issuer}: it never issues tokens for instance APIs{words}"


def _no_reason_evidence(e: Evidence) -> str:
    a = api_of(e)
    if a.challenge_error:
        return f"HTTP 401 error={a.challenge_error}, with no description"
    challenge = "" if a.has_challenge else " (no WWW-Authenticate challenge)"
    return f"HTTP 401 with no reason given{challenge}"


def _unexplained_fix(e: Evidence, v: Values) -> str:
    if e.token is None or not e.token.verified:
        return (
            "the API named no reason: check the token's issuer, expiry and signature against "
            "the authority"
        )
    return (
        "our checks found nothing wrong: the API may expect another issuer or audience, trust "
        "other keys, or the token was revoked; the API's log of this request says which"
    )


def _unexplained_remedy(e: Evidence, v: Values) -> Remedy:
    if e.token is None or not e.token.verified:
        return remedy(RemedyKind.VERIFY_WITH_AUTHORITY)
    return remedy(RemedyKind.ASK_ADMINISTRATORS, about="the API's log of this 401")


def _sent_401(e: Evidence) -> bool:
    return e.api is not None and e.api.status == 401 and e.api.token_sent


def _refusal_words(e: Evidence) -> bool:
    """A refusal whose words are about the token (a 401, or an invalid_token on any status)."""
    return e.api is not None and (e.api.status == 401 or e.api.challenge_error == "invalid_token")


def _says(key: str) -> Test:
    return lambda e: _refusal_words(e) and key in api_of(e).readings


def _word_strength(key: str) -> Callable[[Evidence], int]:
    # the first thing said ranks first when a description lists several failures
    return lambda e: DIRECT - api_of(e).readings.index(key)


def _global_token(e: Evidence) -> bool:
    return api_of(e).global_issuer


def _no_readings(e: Evidence) -> bool:
    return not api_of(e).readings


def _reference(e: Evidence) -> bool:
    return api_of(e).reference_token


def _explained_nothing(e: Evidence) -> bool:
    a = api_of(e)
    return a.challenge_error == "invalid_token" or bool(a.said)


MEANINGS: dict[str, Meaning] = {
    "invalid-token": Meaning(
        "The API refused the token without saying why (an unexplained 401)",
        _unexplained_fix,
        _unexplained_remedy,
    ),
    "unauthorized": Meaning(
        "The API refused the token and gave no reason (an unexplained 401)",
        _unexplained_fix,
        _unexplained_remedy,
    ),
}

RULES: tuple[Rule, ...] = (
    api_rule(
        "token-missing",
        all_of(status_is(401), lambda e: not api_of(e).token_sent),
        _missing_evidence,
        SPECIFIC,
        ACCEPTS,
    ),
    api_rule(
        "global-authority", all_of(_sent_401, _global_token), _global_evidence, SPECIFIC, ACCEPTS
    ),
    *(
        api_rule(key, all_of(_sent_401, _says(key)), said, _word_strength(key), ACCEPTS)
        for key in WORD_KEYS
    ),
    api_rule("token-revoked", all_of(_sent_401, _no_readings, _reference), said, CHECKED, ACCEPTS),
    api_rule(
        "invalid-token",
        all_of(_sent_401, _no_readings, not_(_reference), _explained_nothing),
        lambda e: said(e) + checks_passed(e),
        UNEXPLAINED,
        ACCEPTS,
    ),
    api_rule(
        "unauthorized",
        all_of(_sent_401, _no_readings, not_(_reference), not_(_explained_nothing)),
        lambda e: _no_reason_evidence(e) + checks_passed(e),
        UNEXPLAINED,
        ACCEPTS,
    ),
)

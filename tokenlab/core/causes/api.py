"""What the API's answer says when it is not a refusal of the token's validity: sign-in pages,
redirects, HTML, a 403 ("authenticated, but not allowed"), 404, 405, 400 and 5xx (the token
was accepted and the request failed). 401 refusals are read in `refusals`.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.causes.evidence import ApiEvidence, Evidence, quote_scopes
from tokenlab.core.causes.model import (
    CONTEXT,
    DIRECT,
    SPECIFIC,
    Meaning,
    Rule,
    Test,
    Values,
    all_of,
    not_,
)
from tokenlab.core.errors import Remedy, RemedyKind, remedy

ACCEPTS = ("api-accepts", "first-200")  # a refusal of the token fails both API steps
ANSWERS = ("first-200",)  # the token was accepted; the answer is still not the seed's 200


def api_of(e: Evidence) -> ApiEvidence:
    assert e.api is not None  # every rule here checks it first
    return e.api


def status_is(*codes: int) -> Test:
    return lambda e: e.api is not None and e.api.status in codes


def _status_range(low: int, high: int) -> Test:
    return lambda e: e.api is not None and low <= e.api.status < high


def _fix_request(what: str) -> Callable[[Evidence, Values], Remedy]:
    return lambda e, v: remedy(RemedyKind.FIX_REQUEST, what=what)


def said_text(api: ApiEvidence) -> str:
    words = f', the API said: "{api.said}"' if api.said else ""
    family = f" (read as {api.words_family})" if api.words_family and api.readings else ""
    error = f" {api.challenge_error}" if api.challenge_error else ""
    return f"HTTP {api.status}{error}{words}{family}"


def said(e: Evidence) -> str:
    return said_text(api_of(e))


def _sign_in_evidence(e: Evidence) -> str:
    a = api_of(e)
    hops = f" after {a.redirects} redirect(s)" if a.redirects else ""
    final = f" (final status {a.status})" if a.status == 200 else ""
    return (
        f"sent to {a.sign_in}{hops}{final}: the request was not taken as an API call with a token"
    )


def _redirects_evidence(e: Evidence) -> str:
    return f"more than {api_of(e).redirects - 1} redirects, the last from {api_of(e).url}"


def _html_evidence(e: Evidence) -> str:
    a = api_of(e)
    title = f" ({a.body_title})" if a.body_title else ""
    return f"HTTP {a.status} with an HTML page{title}"


def _scope_values(e: Evidence) -> Values:
    a = api_of(e)
    needed = a.challenge_scopes
    return {
        "needed": " ".join(needed) or "(not named by the API)",
        "needed_list": " ".join(needed),
        "needed_quoted": quote_scopes(needed) or "the needed scope",
    }


def _scope_evidence(e: Evidence) -> str:
    a = api_of(e)
    has = f"; the token has: {' '.join(a.token_scopes)}" if a.token_scopes else ""
    needs = f": the API needs {' '.join(a.challenge_scopes)}" if a.challenge_scopes else ""
    return f"HTTP {a.status} insufficient_scope for {a.method}{needs}{has}"


def _business_evidence(e: Evidence) -> str:
    b = api_of(e).business
    assert b is not None
    parts = [f'"{b.message}"'] + [f"{k} {v}" for k, v in (("code", b.code), ("type", b.type)) if v]
    info = f"; info: {b.info}" if b.info else ""
    return f"HTTP {api_of(e).status}: {', '.join(parts)}{info}"


def checks_passed(e: Evidence) -> str:
    if e.token is None:
        return ""
    passed = [c.name for c in e.token.checks if c.status == "pass"]
    skipped = [c.name for c in e.token.checks if c.status == "skip"]
    text = f"; our checks passed: {', '.join(passed) or 'none'}"
    return text + (f"; not checked: {', '.join(skipped)}" if skipped else "")


def _all_checks_passed(e: Evidence) -> bool:
    return e.token is not None and e.token.verified and e.token.ok


def _forbidden_title(e: Evidence, v: Values) -> str:
    if _all_checks_passed(e):
        return "Authenticated, but not allowed: the token passed every check"
    return "Authenticated, but not allowed (403)"


def _forbidden_fix(e: Evidence, v: Values) -> str:
    app = v.get("app", "the Trusted Application")
    if e.interactive:
        return (
            f"on the instance, check the signed-in user's permissions for this data and that {app} "
            "allows this user type (ImpersonateAsInternalUserAllowed, ImpersonateAsCommunityUserAllowed)"
        )
    return (
        f"on the instance, check {app}: its system user (SystemUserAllowed, SystemUser) and that "
        "user's permissions for this data, and the scopes it grants (read for GET, update for writes)"
    )


def _forbidden_remedy(e: Evidence, v: Values) -> Remedy:
    setting = "the user's permissions" if e.interactive else "SystemUser and its permissions"
    return remedy(RemedyKind.FIX_TRUSTED_APPLICATION, client_id=e.client_id, setting=setting)


def _user_type(e: Evidence) -> str:
    value = e.token_claims.get("user_type")
    return str(value) if value else ""


MEANINGS: dict[str, Meaning] = {
    "sign-in-redirect": Meaning(
        "The API sent a sign-in page instead of answering",
        "a sign-in page is for browsers: call the Domain API (/api/domain/odata/...) with the "
        "token in the Authorization: Bearer header; check the profile's API URL and that the "
        "token was sent",
        _fix_request("api-url"),
    ),
    "too-many-redirects": Meaning(
        "The API redirected too many times",
        "check the profile's API URL (scheme, host, path)",
        _fix_request("api-url"),
    ),
    "html-not-json": Meaning(
        "The API answered with an HTML page where JSON was expected",
        "the URL is a web page, not the API: check the profile's API URL (…/api/domain/odata/) "
        "and the probe path",
        _fix_request("api-url"),
    ),
    "not-200": Meaning(
        "The API accepted the token but answered {status}, not 200",
        "the seed's first request is a GET of an entity set that answers 200: check the probe's "
        "method and path",
        _fix_request("method"),
    ),
    "forbidden": Meaning(_forbidden_title, _forbidden_fix, _forbidden_remedy),
    "both-headers": Meaning(
        "The API refused a request with both Authorization and X-Api-Key",
        "send the token in one header only: Authorization: Bearer ... or X-Api-Key: ...",
        _fix_request("header"),
    ),
    "bad-request": Meaning(
        "The API refused the request as malformed (400)",
        "check the probe's method, path, query and body",
        _fix_request("request"),
    ),
    "not-found": Meaning(
        "The token was accepted, but the API has no such resource (404)",
        "check the probe path (entity set names are case-sensitive) and the profile's API URL",
        _fix_request("path"),
    ),
    "method-not-allowed": Meaning(
        "The token was accepted, but the API does not allow {method} here (405)",
        "use a method the resource allows: GET to read, POST to create, PATCH to change",
        _fix_request("method"),
    ),
    "business-error": Meaning(
        "The API accepted the token, but the request failed (a business error)",
        "the token was accepted; the request itself failed on the server: see its message",
        _fix_request("request"),
    ),
    "server-error": Meaning(
        "The API failed with HTTP {status}",
        "a server-side failure: try again; if it persists, the instance's administrators can see why",
        lambda e, v: remedy(RemedyKind.ASK_ADMINISTRATORS, about="the API's log of this request"),
    ),
    "redirect": Meaning(
        "The API answered {status} without a usable Location",
        "check the profile's API URL",
        _fix_request("api-url"),
    ),
    "unexpected-status": Meaning(
        "The API answered HTTP {status}, which is not expected here",
        "see the body for what it means; check the probe's request",
        _fix_request("request"),
    ),
}


def _user_type_values(e: Evidence) -> Values:
    return {"user_type": _user_type(e)}


def _community_user(e: Evidence) -> bool:
    return _user_type(e).lower() not in ("", "internal")


def _business(e: Evidence) -> bool:
    return api_of(e).business is not None


def _accepted(e: Evidence) -> bool:
    return e.api is not None and e.api.accepted


def api_rule(
    key: str,
    when: Test,
    evidence: Callable[[Evidence], str] = said,
    strength: int | Callable[[Evidence], int] = DIRECT,
    steps: tuple[str, ...] = ANSWERS,
    values: Callable[[Evidence], Values] | None = None,
) -> Rule:
    return Rule(key, when, evidence, strength, steps, values)


RULES: tuple[Rule, ...] = (
    api_rule(
        "sign-in-redirect",
        lambda e: e.api is not None and bool(e.api.sign_in),
        _sign_in_evidence,
        SPECIFIC,
        ACCEPTS,
    ),
    api_rule(
        "too-many-redirects",
        lambda e: e.api is not None and e.api.too_many_redirects,
        _redirects_evidence,
    ),
    api_rule(
        "html-not-json",
        all_of(
            _status_range(200, 300),
            lambda e: api_of(e).expects_json,
            lambda e: api_of(e).body_kind == "html",
            lambda e: not api_of(e).sign_in,
        ),
        _html_evidence,
    ),
    api_rule("not-200", all_of(_accepted, lambda e: api_of(e).status != 200), said, CONTEXT),
    api_rule(
        "insufficient-scope",
        all_of(status_is(403), lambda e: api_of(e).insufficient_scope),
        _scope_evidence,
        DIRECT,
        ACCEPTS,
        _scope_values,
    ),
    api_rule(
        "forbidden",
        all_of(status_is(403), lambda e: not api_of(e).insufficient_scope),
        lambda e: said(e) + checks_passed(e),
        DIRECT,
        ACCEPTS,
    ),
    api_rule(
        "user-type",
        all_of(status_is(403), _community_user),
        lambda e: f"user_type={_user_type(e)}",
        SPECIFIC,
        ACCEPTS,
        _user_type_values,
    ),
    api_rule("both-headers", all_of(status_is(400), lambda e: len(api_of(e).credentials) > 1)),
    api_rule("bad-request", all_of(status_is(400), lambda e: len(api_of(e).credentials) <= 1)),
    api_rule("not-found", status_is(404)),
    api_rule("method-not-allowed", status_is(405)),
    api_rule("business-error", all_of(_status_range(500, 600), _business), _business_evidence),
    api_rule("server-error", all_of(_status_range(500, 600), not_(_business))),
    api_rule(
        "redirect",
        all_of(
            _status_range(300, 400),
            lambda e: not api_of(e).sign_in,
            lambda e: not api_of(e).too_many_redirects,
        ),
    ),
    api_rule(
        "unexpected-status",
        lambda e: (
            e.api is not None
            and e.api.status not in (400, 401, 403, 404, 405)
            and (e.api.status < 200 or 400 <= e.api.status < 500)
        ),
    ),
)

__all__ = ["MEANINGS", "RULES", "said_text"]

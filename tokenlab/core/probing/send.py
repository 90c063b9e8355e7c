"""Send one request with a token, follow redirects by hand, and judge the answer.

The seed's last step is "the first request returns HTTP 200, JSON, and no redirect to a sign-in
page". So redirects are followed here, by hand and bounded, with every hop kept as evidence: an
API that answers a token it does not accept with a 302 to `/account/login` ends on a 200 HTML
page, and that is a failure. The token travels only to the origin it was first sent to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES, clock_skew_seconds
from tokenlab.core.causes import judge_clocks, token_clock_offset
from tokenlab.core.destinations import credentials_in, refuse_cleartext
from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.inspection.claims import as_time
from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.probing.body import render_body
from tokenlab.core.probing.result import ProbeError, ProbeResult, RedirectHop
from tokenlab.core.probing.verdict import Answered, api_evidence, judge
from tokenlab.core.profiles import Profile
from tokenlab.core.profiles.risks import origin
from tokenlab.core.redact import SENSITIVE_HEADERS, Redactor, mask
from tokenlab.core.reference_tokens import reference_token_headers
from tokenlab.core.token_set import TokenSet
from tokenlab.core.urls import join_url
from tokenlab.core.www_authenticate import Challenge, ChallengeParseError, parse_www_authenticate

TokenHeader = Literal["authorization", "x-api-key"]

MAX_REDIRECTS = 5
BODY_EXCERPT_CHARS = 4000  # enough for an OData page or an error; a terminal is not a file viewer
_CREDENTIAL_HEADERS = ("authorization", "x-api-key")
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_LOGIN_PATH = re.compile(
    r"/account/login|/connect/authorize|(?<![a-z])(?:log-?in|sign-?in)", re.IGNORECASE
)
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # matched whole (fullmatch)
_HEADER_NAME = _METHOD


def probe_url(profile: Profile, path: str | None = None) -> str:
    """`path` resolved like a link against the API base: relative, `/rooted`, or absolute."""
    path = profile.probe.path if path is None else path
    base = profile.api.rstrip("/") + "/"  # a base without its slash would lose its last segment
    url = urljoin(base, path)
    if urlsplit(url).scheme not in ("http", "https"):  # `Entity:1` read as a scheme by urljoin
        url = join_url(base, path)
    return url


def is_sign_in_url(url: str) -> bool:
    """A URL of a sign-in page: `/account/login`, `ReturnUrl=`, `/connect/authorize`, `login`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_LOGIN_PATH.search(parts.path)) or "returnurl=" in parts.query.lower()


def _token_value(token: TokenSet | str | None) -> str:
    if token is None:
        return ""
    value = token.access_token if isinstance(token, TokenSet) else token
    return value.strip()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


async def probe(
    client: httpx.AsyncClient,
    profile: Profile,
    token: TokenSet | str | None,
    *,
    header: TokenHeader | str = "authorization",
    method: str | None = None,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    max_redirects: int = MAX_REDIRECTS,
    redactor: Redactor | None = None,
    body_chars: int = BODY_EXCERPT_CHARS,
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES,
) -> ProbeResult:
    """Send the profile's probe request (or the overrides) with `token` and judge the answer.

    `token` None or "" sends no credential (to see the API's challenge). `headers` are added to
    the profile's probe headers (same name: replaced); they may add a second credential header to
    reproduce a "both headers" 400, and the verdict then says so. Transport failures raise the
    explained `TokenlabError` of `core/http.py`.
    """
    redactor = redactor or Redactor()
    value = _token_value(token)
    if value:
        redactor.add_known(value)  # a server that echoes the token must not print it back
    method = _checked_method(method or profile.probe.method, max_redirects)
    url = probe_url(profile, path)
    if value:
        _refuse_other_origin(url, profile, redactor)
    content = profile.probe.body if body is None else body
    send = request_headers(profile, value, header, headers or {}, content)
    _know_credentials(send, redactor)
    sent_credentials = [k for k in send if k.lower() in _CREDENTIAL_HEADERS]
    started = time.perf_counter()
    response, hops, first_request_headers = await _send_following(
        client, method, url, send, content, max_redirects, redactor, profile
    )
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    challenges, problem = _challenges(response, redactor)
    answered = _answered(
        response, hops, challenges, redactor, body_chars, max_redirects,
        method=method, token=token, value=value, sent=sent_credentials, send=send,
        global_authorities=global_authorities,
    )  # fmt: skip
    evidence = api_evidence(answered)
    clocks = judge_clocks(authority=_authority_offset(token, value), api=answered.clock_skew_s)
    return ProbeResult(
        method=method,
        url=redactor.url(url),
        final_url=redactor.url(str(response.url)),
        request_headers=first_request_headers,
        token=mask(value) if value else "",
        token_header="+".join(sorted(sent_credentials, key=str.lower)),
        status=response.status_code,
        reason=response.reason_phrase,
        elapsed_ms=elapsed,
        headers=redactor.headers(list(response.headers.items())),
        body=answered.body,
        redirects=tuple(hops),
        challenges=tuple(challenges),
        challenge_problem=problem,
        sign_in_page=answered.sign_in,
        verdict=judge(evidence, clocks),
        evidence=evidence,
        clock_skew_s=answered.clock_skew_s,
    )


def _refuse_other_origin(url: str, profile: Profile, redactor: Redactor) -> None:
    """The token goes to the profile's API only: an absolute probe path elsewhere (an imported
    profile, a typo) would hand a fresh token to another server."""
    if origin(url) == origin(profile.api):
        return
    raise ProbeError(
        f"the probe address {redactor.url(url)} is not on the profile's API "
        f"{redactor.url(origin(profile.api))}: the token is not sent to another origin",
        "give a path under the API; if the API really moved, change the profile's API URL",
        remedy=remedy(RemedyKind.SET_PROFILE_FIELD, profile=profile.name, field="api_url"),
    )


def _know_credentials(send: Mapping[str, str], redactor: Redactor) -> None:
    """A cookie or key from the profile's headers is a secret too: an API that echoes the
    request must not print it back (a cookie's values one by one: `a=1; session=...`)."""
    for name, value in send.items():
        if name.lower() in SENSITIVE_HEADERS:
            redactor.add_known(value)
            for pair in value.split(";") if name.lower() == "cookie" else ():
                redactor.add_known(pair.partition("=")[2].strip())


def _checked_method(method: str, max_redirects: int) -> str:
    method = method.upper()
    if not _METHOD.fullmatch(method):
        raise ProbeError(f"{method[:20]!r} is not an HTTP method", "e.g. GET, POST, PATCH")
    if not 0 <= max_redirects <= 20:
        raise ProbeError(f"max_redirects {max_redirects} is out of range", "use 0..20")
    return method


def _answered(
    response: httpx.Response,
    hops: list[RedirectHop],
    challenges: list[Challenge],
    redactor: Redactor,
    body_chars: int,
    max_redirects: int,
    *,
    method: str,
    token: TokenSet | str | None,
    value: str,
    sent: list[str],
    send: Mapping[str, str],
    global_authorities: tuple[str, ...],
) -> Answered:
    rendered = render_body(response, redactor, body_chars)
    final_url = str(response.url)
    sign_in = next((h.location for h in hops if h.sign_in), "")
    if not sign_in and (rendered.has_password_field or (hops and is_sign_in_url(final_url))):
        sign_in = redactor.url(final_url)
    return Answered(
        status=response.status_code,
        method=method,
        token=value,
        token_set=token if isinstance(token, TokenSet) else None,
        sent_credentials=tuple(k.lower() for k in sent),
        expects_json=any(k.lower() == "accept" and "json" in v.lower() for k, v in send.items()),
        body=rendered,
        challenges=challenges,
        sign_in=sign_in,
        hops=tuple(hops),
        too_many_redirects=len(hops) > max_redirects,
        redactor=redactor,
        final_url=redactor.url(final_url),
        clock_skew_s=clock_skew_seconds(response),
        global_authorities=global_authorities,
    )


def _challenges(response: httpx.Response, redactor: Redactor) -> tuple[list[Challenge], str]:
    """The challenges read leniently (masked), and the strict parser's complaint if any."""
    lines = response.headers.get_list("www-authenticate")
    problem = ""
    try:
        challenges = parse_www_authenticate(lines, strict=True)
    except ChallengeParseError as exc:
        problem = redactor.text(exc.message)
        challenges = parse_www_authenticate(lines)
    return [_masked_challenge(c, redactor) for c in challenges], problem


def _authority_offset(token: TokenSet | str | None, value: str) -> float | None:
    """The authority's clock, read from a token this run received (its iat vs its arrival)."""
    if not isinstance(token, TokenSet) or not value or token.token_type == "reference":
        return None
    try:
        iat = as_time(decode_token(value).claims.get("iat"))
    except TokenFormatError:
        return None
    return token_clock_offset(iat, token.issued_at)


def request_headers(
    profile: Profile, token: str, header: str, extra: Mapping[str, str], content: str
) -> dict[str, str]:
    """The profile's probe headers, then the token's one header, then the caller's overrides."""
    send: dict[str, str] = {}

    def put(name: str, value: str) -> None:
        # same name in any case replaces: never two Authorization headers by accident
        if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\x00"):
            raise ProbeError(f"header {name[:40]!r} is not a valid HTTP header", "use Name: value")
        for existing in [e for e in send if e.lower() == name.lower()]:
            del send[existing]
        send[name] = value

    for k, v in profile.probe.headers:
        put(k, v)
    if token:
        for k, v in reference_token_headers(token, header).items():  # Bearer or X-Api-Key
            put(k, v)
    for k, v in extra.items():
        put(k, v)
    if content and not any(k.lower() == "content-type" for k in send):
        send["Content-Type"] = (
            "application/json" if content.lstrip()[:1] in ("{", "[") else "text/plain"
        )
    return send


async def _send_following(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    content: str,
    max_redirects: int,
    redactor: Redactor,
    profile: Profile,
) -> tuple[httpx.Response, list[RedirectHop], tuple[tuple[str, str], ...]]:
    """Send, then follow redirects by hand: (final response, hops, first request's headers).

    Stops after `max_redirects` + 1 hops. Credentials go only to the first URL's origin; 303
    (and 301/302 after anything but GET/HEAD) continue as GET without a body, like browsers.
    A credential never goes over plain http to another host than this machine (unless the
    profile allows plain http).
    """
    hops: list[RedirectHop] = []
    first_origin = _origin(url)
    has_credentials = any(k.lower() in _CREDENTIAL_HEADERS for k in headers)
    first_request_headers: tuple[tuple[str, str], ...] = ()
    while True:
        hop_started = time.perf_counter()
        if carried := [k for k in headers if k.lower() in SENSITIVE_HEADERS]:
            refuse_cleartext(url, credentials_in({}, headers=carried), profile=profile)
        response = await _send(client, method, url, headers, content, redactor)
        if not first_request_headers:
            first_request_headers = redactor.headers(list(response.request.headers.items()))
        location = response.headers.get("location")
        if response.status_code not in _REDIRECT_STATUSES or not location:
            return response, hops, first_request_headers
        next_url = urljoin(str(response.url), location)
        if urlsplit(next_url).scheme not in ("http", "https"):
            return response, hops, first_request_headers  # nothing to follow: this is the answer
        other_origin = _origin(next_url) != first_origin
        hops.append(
            RedirectHop(
                status=response.status_code,
                url=redactor.url(str(response.url)),
                location=redactor.url(next_url),
                elapsed_ms=round((time.perf_counter() - hop_started) * 1000, 1),
                sign_in=is_sign_in_url(next_url),
                credentials_dropped=other_origin and has_credentials,
            )
        )
        if len(hops) > max_redirects:
            return response, hops, first_request_headers
        if response.status_code == 303 or (
            response.status_code in (301, 302) and method not in ("GET", "HEAD")
        ):
            method, content = "GET", ""  # what browsers (and httpx) do
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if other_origin:  # never hand a credential (token, cookie) to another origin
            headers = {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}
        url = next_url


async def _send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    content: str,
    redactor: Redactor,
) -> httpx.Response:
    try:
        return await client.request(
            method,
            url,
            headers=headers,
            content=content.encode() if content else None,
            follow_redirects=False,
        )
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise ProbeError(
            f"cannot send to {redactor.url(url)}: {exc}",
            "check the profile's API URL and the probe path",
        ) from None


def _masked_challenge(challenge: Challenge, redactor: Redactor) -> Challenge:
    return Challenge(
        challenge.scheme,
        redactor.text(challenge.token68) if challenge.token68 is not None else None,
        {k: redactor.text(v) for k, v in challenge.params.items()},
    )

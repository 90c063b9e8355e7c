"""API probing: send one request with a token, and say plainly whether the API accepted it.

The seed's last step is "the first request returns HTTP 200, JSON, and no redirect to a sign-in
page". So redirects are followed here, by hand and bounded, with every hop kept as evidence: an
API that answers a token it does not accept with a 302 to `/account/login` ends on a 200 HTML
page, and that is a failure. The token travels only to the origin it was first sent to.

Everything in a `ProbeResult` is masked (headers, URLs, bodies, the server's own words): it is
safe to print, store and paste into a ticket.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES, classify
from tokenlab.core.errors import TokenlabError, UsageError
from tokenlab.core.inspection.decode import TokenFormatError, decode_token
from tokenlab.core.profiles import Profile
from tokenlab.core.redact import Redactor, mask
from tokenlab.core.reference_tokens import PREFIX as REFERENCE_PREFIX
from tokenlab.core.reference_tokens import reference_token_headers
from tokenlab.core.token_set import TokenSet
from tokenlab.core.urls import join_url
from tokenlab.core.www_authenticate import (
    Challenge,
    ChallengeParseError,
    find_challenge,
    parse_www_authenticate,
)

TokenHeader = Literal["authorization", "x-api-key"]
BodyKind = Literal["empty", "json", "html", "text", "binary"]

MAX_REDIRECTS = 5
BODY_EXCERPT_CHARS = 4000  # enough for an OData page or an error; a terminal is not a file viewer
MAX_REPEAT = 1000
MAX_REPEAT_SECONDS = 600.0
_CREDENTIAL_HEADERS = ("authorization", "x-api-key")
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_LOGIN_PATH = re.compile(
    r"/account/login|/connect/authorize|(?<![a-z])(?:log-?in|sign-?in)", re.IGNORECASE
)
_METHOD = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEADER_NAME = _METHOD
_PASSWORD_INPUT = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>([^<]{0,200})", re.IGNORECASE)
# C0 controls except tab/newline, DEL and C1: a body must not drive the terminal (escape codes).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ProbeError(UsageError):
    """The probe could not be sent as asked (a bad method, header or URL)."""


@dataclass(frozen=True)
class RedirectHop:
    """One answer that sent us elsewhere: its status, where from, where to (masked)."""

    status: int
    url: str
    location: str
    elapsed_ms: float
    sign_in: bool  # the location looks like a sign-in page
    credentials_dropped: bool = False  # the next hop is another origin: the token was not sent

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "url": self.url,
            "location": self.location,
            "elapsed_ms": self.elapsed_ms,
            "sign_in": self.sign_in,
            "credentials_dropped": self.credentials_dropped,
        }


@dataclass(frozen=True)
class ProbeBody:
    """The response body made printable: masked, control characters escaped, truncated."""

    kind: BodyKind
    content_type: str
    size: int  # bytes received
    text: str  # pretty JSON, text or HTML (truncated), or a description of binary data
    truncated: bool = False
    data: Any = None  # the parsed (masked) JSON, when kind == "json"
    title: str = ""  # an HTML page's <title>
    has_password_field: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "content_type": self.content_type,
            "size": self.size,
            "text": self.text,
            "truncated": self.truncated,
            "json": self.data,
            "title": self.title,
            "has_password_field": self.has_password_field,
        }


@dataclass(frozen=True)
class Verdict:
    """`ok` only for a 2xx without a sign-in page; otherwise what went wrong, in one line."""

    ok: bool
    kind: str  # stable code: ok, token-missing, token-expired, insufficient-scope, ...
    summary: str
    hint: str = ""
    missing_scopes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "summary": self.summary,
            "hint": self.hint,
            "missing_scopes": list(self.missing_scopes),
        }


@dataclass(frozen=True)
class ProbeResult:
    method: str
    url: str  # the first URL asked (masked)
    final_url: str  # where the last answer came from (masked)
    request_headers: tuple[tuple[str, str], ...]  # as sent to the first URL (masked)
    token: str  # masked, "" when none was sent
    token_header: str  # "Authorization", "X-Api-Key", "Authorization+X-Api-Key" or ""
    status: int  # the final status
    reason: str
    elapsed_ms: float  # all hops
    headers: tuple[tuple[str, str], ...]  # the final response's (masked)
    body: ProbeBody
    redirects: tuple[RedirectHop, ...]
    challenges: tuple[Challenge, ...]
    challenge_problem: str  # the strict parser's complaint, when the header is malformed
    sign_in_page: str  # the sign-in URL we were sent to (or the final URL), "" when none
    verdict: Verdict

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def www_authenticate(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.headers if k.lower() == "www-authenticate")

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": [list(h) for h in self.request_headers],
                "token": self.token,
                "token_header": self.token_header,
            },
            "status": self.status,
            "reason": self.reason,
            "final_url": self.final_url,
            "elapsed_ms": self.elapsed_ms,
            "headers": [list(h) for h in self.headers],
            "body": self.body.to_json(),
            "redirects": [h.to_json() for h in self.redirects],
            "sign_in_page": self.sign_in_page,
            "www_authenticate": list(self.www_authenticate),
            "challenges": [c.to_json() for c in self.challenges],
            "challenge_problem": self.challenge_problem,
            "verdict": self.verdict.to_json(),
        }


# -- the request ---------------------------------------------------------------------------------


def probe_url(profile: Profile, path: str | None = None) -> str:
    """`path` resolved like a link against the API base: relative, `/rooted`, or absolute."""
    path = profile.probe.path if path is None else path
    base = profile.api.rstrip("/") + "/"  # a base without its slash would lose its last segment
    url = urljoin(base, path)
    if urlsplit(url).scheme not in ("http", "https"):  # `Entity:1` read as a scheme by urljoin
        url = join_url(base, path)
    return url


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
    method = (method or profile.probe.method).upper()
    if not _METHOD.match(method):
        raise ProbeError(f"{method[:20]!r} is not an HTTP method", "e.g. GET, POST, PATCH")
    if not 0 <= max_redirects <= 20:
        raise ProbeError(f"max_redirects {max_redirects} is out of range", "use 0..20")
    url = probe_url(profile, path)
    content = profile.probe.body if body is None else body
    send = _request_headers(profile, value, header, headers or {}, content)
    sent_credentials = [k for k in send if k.lower() in _CREDENTIAL_HEADERS]
    started = time.perf_counter()
    response, hops, first_request_headers = await _send_following(
        client, method, url, send, content, max_redirects, redactor
    )
    elapsed = round((time.perf_counter() - started) * 1000, 1)

    rendered = render_body(response, redactor, body_chars)
    lines = response.headers.get_list("www-authenticate")
    problem = ""
    try:
        challenges = parse_www_authenticate(lines, strict=True)
    except ChallengeParseError as exc:
        problem = redactor.text(exc.message)
        challenges = parse_www_authenticate(lines)
    challenges = [_masked_challenge(c, redactor) for c in challenges]
    final_url = str(response.url)
    sign_in = next((h.location for h in hops if h.sign_in), "")
    if not sign_in and (rendered.has_password_field or (hops and is_sign_in_url(final_url))):
        sign_in = redactor.url(final_url)
    too_many = len(hops) > max_redirects
    facts = _Facts(
        status=response.status_code,
        method=method,
        token=value,
        token_set=token if isinstance(token, TokenSet) else None,
        sent_credentials=tuple(k.lower() for k in sent_credentials),
        expects_json=any(k.lower() == "accept" and "json" in v.lower() for k, v in send.items()),
        body=rendered,
        challenges=challenges,
        sign_in=sign_in,
        hops=tuple(hops),
        too_many_redirects=too_many,
        redactor=redactor,
        global_authorities=global_authorities,
    )
    return ProbeResult(
        method=method,
        url=redactor.url(url),
        final_url=redactor.url(final_url),
        request_headers=first_request_headers,
        token=mask(value) if value else "",
        token_header="+".join(sorted(sent_credentials, key=str.lower)),
        status=response.status_code,
        reason=response.reason_phrase,
        elapsed_ms=elapsed,
        headers=redactor.headers(list(response.headers.items())),
        body=rendered,
        redirects=tuple(hops),
        challenges=tuple(challenges),
        challenge_problem=problem,
        sign_in_page=sign_in,
        verdict=judge(facts),
    )


def _request_headers(
    profile: Profile, token: str, header: str, extra: Mapping[str, str], content: str
) -> dict[str, str]:
    """The profile's probe headers, then the token's one header, then the caller's overrides."""
    send: dict[str, str] = {}

    def put(name: str, value: str) -> None:
        # same name in any case replaces: never two Authorization headers by accident
        if not _HEADER_NAME.match(name) or any(c in value for c in "\r\n\x00"):
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
) -> tuple[httpx.Response, list[RedirectHop], tuple[tuple[str, str], ...]]:
    """Send, then follow redirects by hand: (final response, hops, first request's headers).

    Stops after `max_redirects` + 1 hops. Credentials go only to the first URL's origin; 303
    (and 301/302 after anything but GET/HEAD) continue as GET without a body, like browsers.
    """
    hops: list[RedirectHop] = []
    first_origin = _origin(url)
    has_credentials = any(k.lower() in _CREDENTIAL_HEADERS for k in headers)
    first_request_headers: tuple[tuple[str, str], ...] = ()
    while True:
        hop_started = time.perf_counter()
        try:
            response = await client.request(
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
        if other_origin:  # never hand the token to another origin (httpx's own rule)
            headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
        url = next_url


def _masked_challenge(challenge: Challenge, redactor: Redactor) -> Challenge:
    return Challenge(
        challenge.scheme,
        redactor.text(challenge.token68) if challenge.token68 is not None else None,
        {k: redactor.text(v) for k, v in challenge.params.items()},
    )


def is_sign_in_url(url: str) -> bool:
    """A URL of a sign-in page: `/account/login`, `ReturnUrl=`, `/connect/authorize`, `login`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_LOGIN_PATH.search(parts.path)) or "returnurl=" in parts.query.lower()


# -- the body ------------------------------------------------------------------------------------


def render_body(response: httpx.Response, redactor: Redactor, limit: int) -> ProbeBody:
    raw = response.content
    ctype = response.headers.get("content-type", "")
    media = ctype.split(";")[0].strip().lower()
    if not raw:
        return ProbeBody("empty", ctype, 0, "")
    text = _decode(raw, response.charset_encoding)
    if text is None:
        head = " ".join(f"{b:02x}" for b in raw[:8])
        return ProbeBody(
            "binary", ctype, len(raw), f"<{len(raw)} bytes of binary data, starting {head}>"
        )
    if media.endswith("json") or (not media and text.lstrip()[:1] in ("{", "[")):
        try:
            data = redactor.json_value(json.loads(text))
        except ValueError:
            pass  # said JSON, is not: show it as text
        else:
            pretty = json.dumps(data, indent=2, ensure_ascii=False)
            shown, cut = _truncate(_printable(pretty), limit)
            return ProbeBody("json", ctype, len(raw), shown, cut, data=data)
    html = "html" in media or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    shown, cut = _truncate(_printable(redactor.text(text)), limit)
    if html:
        title = _TITLE.search(text)
        return ProbeBody(
            "html",
            ctype,
            len(raw),
            shown,
            cut,
            title=_printable(redactor.text(title.group(1).strip())) if title else "",
            has_password_field=bool(_PASSWORD_INPUT.search(text)),
        )
    return ProbeBody("text", ctype, len(raw), shown, cut)


def _decode(raw: bytes, charset: str | None) -> str | None:
    """Text, or None for binary data (a NUL byte, or bytes that are not in the charset)."""
    if b"\x00" in raw[:4096]:
        return None
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a line end when one is near (never mid-character)."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = limit
    return text[:cut] + f"\n… {len(text) - cut} more characters", True


# -- the verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
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
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES

    @property
    def is_reference(self) -> bool:
        return self.token.startswith(REFERENCE_PREFIX)

    @property
    def bearer(self) -> Challenge | None:
        return find_challenge(self.challenges, "Bearer") or (
            self.challenges[0] if self.challenges else None
        )

    def said(self) -> str:
        """The server's own explanation: error_description, else the body's message."""
        challenge = self.bearer
        text = (challenge.error_description if challenge else None) or ""
        if not text and isinstance(self.body.data, dict):
            for key in ("error_description", "message", "error"):
                if isinstance(self.body.data.get(key), str) and self.body.data[key]:
                    text = self.body.data[key]
                    break
        return _printable(self.redactor.text(text))[:300]


SCOPE_HINT = (
    "allow {scopes} in the Trusted Application's Scope, request it in the profile's scopes, "
    "and get a new token"
)


def judge(f: _Facts) -> Verdict:
    """One verdict, the most specific the evidence allows."""
    if f.sign_in:
        where = f" ({f.sign_in})"
        hops = f" after {len(f.hops)} redirect(s)" if f.hops else ""
        return Verdict(
            False,
            "sign-in-redirect",
            f"the API sent a sign-in page{where}{hops} instead of answering: "
            "it did not take the request as an API call with a token"
            + (f" (final status {f.status})" if f.status == 200 else ""),
            "a sign-in page is for browsers: call the Domain API (/api/domain/odata/...) with "
            "the token in the Authorization: Bearer header; check the profile's API URL and "
            "that the token was sent",
        )
    if f.too_many_redirects:
        return Verdict(
            False,
            "too-many-redirects",
            f"the API redirected more than {len(f.hops) - 1} times",
            "check the profile's API URL (scheme, host, path)",
        )
    said = f.said()
    quoted = f': "{said}"' if said else ""
    if 200 <= f.status < 300:
        if f.expects_json and f.body.kind == "html":
            return Verdict(
                False,
                "html-not-json",
                f"the API answered {f.status} with an HTML page where JSON was expected"
                + (f" ({f.body.title})" if f.body.title else ""),
                "the URL is a web page, not the API: check the profile's API URL "
                "(…/api/domain/odata/) and the probe path",
            )
        rows = f.body.data.get("value") if isinstance(f.body.data, dict) else None
        what = f", {len(rows)} row(s)" if isinstance(rows, list) else ""
        kind = f.body.kind.upper() if f.body.kind in ("json", "html") else f.body.kind
        return Verdict(True, "ok", f"the API accepted the token: {f.status}, {kind}{what}")
    if f.status == 401:
        return _judge_401(f, said, quoted)
    if f.status == 403:
        challenge = f.bearer
        scopes = challenge.scope if challenge else ()
        if (
            not scopes
            and isinstance(f.body.data, dict)
            and isinstance(f.body.data.get("scope"), str)
        ):
            scopes = tuple(f.body.data["scope"].split())
        if (challenge and challenge.error == "insufficient_scope") or scopes:
            names = " ".join(scopes) or "(not named by the API)"
            has = ""
            if f.token_set is not None and f.token_set.scope:
                has = f"; the token has: {' '.join(f.token_set.scope)}"
            return Verdict(
                False,
                "insufficient-scope",
                f"authenticated, but the token lacks the scope {names} for {f.method}{has}",
                SCOPE_HINT.format(scopes=" ".join(repr(s) for s in scopes) or "the needed scope"),
                missing_scopes=scopes,
            )
        return Verdict(
            False,
            "forbidden",
            f"authenticated, but not allowed (403){quoted}",
            "check the Trusted Application configuration (system user, allowed user types) "
            "and the scopes granted to the token",
        )
    if f.status == 400:
        if len(f.sent_credentials) > 1:
            return Verdict(
                False,
                "both-headers",
                f"the API refused a request with both Authorization and X-Api-Key (400){quoted}",
                "send the token in one header only: Authorization: Bearer ... or X-Api-Key: ...",
            )
        return Verdict(
            False,
            "bad-request",
            f"the API refused the request as malformed (400){quoted}",
            "check the probe's method, path, query and body",
        )
    if f.status == 404:
        return Verdict(
            False,
            "not-found",
            f"the API has no such resource (404){quoted}",
            "check the probe path (entity set names are case-sensitive) and the profile's API URL",
        )
    if f.status == 405:
        return Verdict(
            False, "method-not-allowed", f"the API does not allow {f.method} here{quoted}"
        )
    if f.status >= 500:
        return _judge_5xx(f, quoted)
    if 300 <= f.status < 400:
        return Verdict(
            False,
            "redirect",
            f"the API answered {f.status} without a usable Location",
            "check the profile's API URL",
        )
    return Verdict(False, "unexpected-status", f"the API answered {f.status}{quoted}")


# (kind, words in the error_description, summary, hint) — first match wins, so specific first.
_INVALID_TOKEN_CAUSES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (
        "token-revoked",
        ("revoked",),
        "the token was revoked",
        "create a new reference token in the instance (or get a new access token)",
    ),
    (
        "token-expired",
        ("expired",),
        "the token has expired",
        "get a new token; if it was just issued, check the clock of this machine",
    ),
    (
        "token-not-yet-valid",
        ("not yet valid", "not valid yet", "nbf"),
        "the token is not valid yet (nbf is in the future)",
        "check this machine's clock and the server's",
    ),
    (
        "wrong-issuer",
        ("issuer", "iss "),
        "the token comes from another issuer than the instance's identity service",
        "get the token from https://{instance}/id, the instance identity service",
    ),
    (
        "wrong-audience",
        ("audience", "aud "),
        "the token is for another audience (aud)",
        "request a token for this API (the profile's audience / resource)",
    ),
    (
        "bad-signature",
        ("signature", "unknown key", "key this instance does not know", "kid"),
        "the token's signature is not valid for this instance (tampered, or signed by another key)",
        "use the token exactly as issued, from this instance's identity service",
    ),
    (
        "wrong-token-type",
        ("typ", "not an access token", "id_token"),
        "the token is not an access token (an id_token?)",
        "send the access_token from the token response, not the id_token",
    ),
    (
        "bad-algorithm",
        ("algorithm", "'alg'", "alg:"),
        "the token's signing algorithm is not allowed",
        "use the token exactly as issued by the instance",
    ),
    (
        "reference-token-unknown",
        ("unknown",),
        "the instance does not know this reference token",
        "check the value (copied whole?) and the instance it belongs to",
    ),
    (
        "x-api-key-not-reference",
        ("x-api-key", "reference tokens"),
        "X-Api-Key takes only reference tokens (enrt_...)",
        "send an access token (JWT) as Authorization: Bearer ...",
    ),
    (
        "wrong-scheme",
        ("scheme",),
        "the Authorization header does not use the Bearer scheme",
        "send Authorization: Bearer <token>",
    ),
    (
        "token-malformed",
        ("malformed", "not a jwt"),
        "the token is malformed (not a JWT, or cut short)",
        "copy the whole access_token value",
    ),
)


def _judge_401(f: _Facts, said: str, quoted: str) -> Verdict:
    challenge = f.bearer
    error = challenge.error if challenge else None
    if not f.sent_credentials:
        return Verdict(
            False,
            "token-missing",
            "no token was sent: the API asks for one (401)"
            + (f", challenge {challenge.scheme}" if challenge else ""),
            "send the token as Authorization: Bearer <token> (or X-Api-Key for a reference token)",
        )
    issuer = _unverified_issuer(f.token)
    if issuer and classify(issuer, f.global_authorities) == "global":
        return Verdict(
            False,
            "global-authority",
            f"the token comes from the global authority {issuer}, which never issues tokens "
            f"for instance APIs{quoted}",
            "get the token from the instance identity service, https://{instance}/id",
        )
    if error == "invalid_token" or said:
        lower = said.lower()
        for kind, words, summary, hint in _INVALID_TOKEN_CAUSES:
            if kind.startswith("reference") and not f.is_reference:
                continue
            if any(w in lower for w in words):
                if kind == "wrong-issuer" and issuer:
                    summary += f" ({issuer})"
                return Verdict(False, kind, f"401: {summary}{quoted}", hint)
        return Verdict(
            False,
            "invalid-token",
            f"401: the API did not accept the token ({error or 'no error code'}){quoted}",
            "check the issuer, the expiry and the signature of the token (tokenlab decode --verify)",
        )
    if error:
        return Verdict(False, "unauthorized", f"401: the API answered error={error}{quoted}")
    return Verdict(
        False,
        "unauthorized",
        "401: the API did not accept the token and gave no reason"
        + ("" if f.challenges else " (no WWW-Authenticate challenge)"),
        "the token may be missing, expired, revoked or badly signed: check the issuer, the "
        "Trusted Application configuration and the scopes",
    )


def _judge_5xx(f: _Facts, quoted: str) -> Verdict:
    data = f.body.data if isinstance(f.body.data, dict) else {}
    message = data.get("message")
    if isinstance(message, str) and ("code" in data or "type" in data):
        parts = [f'"{_printable(f.redactor.text(message))[:300]}"']
        for key in ("code", "type"):
            if data.get(key):
                parts.append(f"{key} {_printable(f.redactor.text(str(data[key])))[:120]}")
        info = data.get("info")
        hint = "the token was accepted; the request itself failed on the server"
        if isinstance(info, str) and info:
            hint += f": {_printable(f.redactor.text(info))[:200]}"
        return Verdict(
            False,
            "business-error",
            f"the API accepted the token but the request failed ({f.status}): {', '.join(parts)}",
            hint,
        )
    return Verdict(
        False,
        "server-error",
        f"the API failed with {f.status}{quoted}",
        "a server-side failure: try again; if it persists, the instance's administrators can see why",
    )


def _unverified_issuer(token: str) -> str:
    """`iss` of a JWT read without trusting it (only to name the global authority)."""
    try:
        issuer = decode_token(token).claims.get("iss")
    except TokenFormatError:
        return ""
    return issuer if isinstance(issuer, str) and len(issuer) < 300 else ""


# -- repeat mode ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatResult:
    requested: int
    sent: int
    statuses: dict[str, int]  # "200": 10, "401": 1, "error": 1 (no answer)
    verdicts: dict[str, int]  # verdict kind -> count
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    total_seconds: float
    stopped: str  # "" when every request was sent, else why it stopped early
    first: ProbeResult | None
    errors: tuple[str, ...] = ()  # distinct transport errors (already explained and masked)

    @property
    def ok(self) -> bool:
        return self.sent == self.requested and self.verdicts == {"ok": self.sent}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "requested": self.requested,
            "sent": self.sent,
            "statuses": self.statuses,
            "verdicts": self.verdicts,
            "latency_ms": {"p50": self.p50_ms, "p95": self.p95_ms, "max": self.max_ms},
            "total_seconds": self.total_seconds,
            "stopped": self.stopped,
            "errors": list(self.errors),
            "first": self.first.to_json() if self.first else None,
        }


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (a value that was really observed), of a sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def repeat_probe(
    client: httpx.AsyncClient,
    profile: Profile,
    token: TokenSet | str | None,
    *,
    n: int,
    max_seconds: float = 60.0,
    **overrides: Any,
) -> RepeatResult:
    """`n` probes, one after the other, stopping at `max_seconds` (a request in flight included).

    Latencies are per probe (redirect hops included) of the probes that got an answer.
    """
    if not 1 <= n <= MAX_REPEAT:
        raise UsageError(f"repeat count {n} is out of range", f"use 1..{MAX_REPEAT}")
    if not 0 < max_seconds <= MAX_REPEAT_SECONDS:
        raise UsageError(
            f"time limit {max_seconds:g} s is out of range", f"use up to {MAX_REPEAT_SECONDS:g} s"
        )
    statuses: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    first: ProbeResult | None = None
    stopped = ""
    sent = 0
    started = time.monotonic()
    deadline = started + max_seconds
    for _ in range(n):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = f"time limit of {max_seconds:g} s reached"
            break
        sent += 1
        try:
            async with asyncio.timeout(remaining):
                result = await probe(client, profile, token, **overrides)
        except TimeoutError:
            statuses["timeout"] += 1
            verdicts["timeout"] += 1
            stopped = f"time limit of {max_seconds:g} s reached"
            break
        except UsageError:
            raise  # the request itself is wrong: every repeat would fail the same way
        except TokenlabError as exc:
            statuses["error"] += 1
            verdicts["error"] += 1
            if exc.message not in errors:
                errors.append(exc.message)
            continue
        if first is None:
            first = result
        statuses[str(result.status)] += 1
        verdicts[result.verdict.kind] += 1
        latencies.append(result.elapsed_ms)
    latencies.sort()
    return RepeatResult(
        requested=n,
        sent=sent,
        statuses=dict(statuses),
        verdicts=dict(verdicts),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        max_ms=latencies[-1] if latencies else None,
        total_seconds=round(time.monotonic() - started, 3),
        stopped=stopped,
        first=first,
        errors=tuple(errors[:5]),
    )

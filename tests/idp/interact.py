"""Scripted browser steps for the test identity provider's sign-in, consent and device pages.

The helpers follow redirects and submit the forms they find (no hard-coded interaction ids), so
they keep working when the provider changes its URLs. They stop before requesting the client's
redirect_uri: a test's loopback listener may not exist.

    url = complete_authorization(authorize_url, idp.user.username, idp.user.password)
    code = parse_qs(urlsplit(url).query)["code"][0]

Each helper has an async twin (``acomplete_authorization``, ``aapprove_device``,
``asign_out``) taking an ``httpx.AsyncClient``; both share one page-walking generator.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

MAX_STEPS = 25


class InteractionError(Exception):
    """The provider showed a page the helper could not continue from."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class SignInError(InteractionError):
    """The sign-in page came back with an error (e.g. wrong password)."""


@dataclass(frozen=True)
class FormPost:
    """What a ``response_mode=form_post`` page would POST to the client's redirect_uri."""

    action: str
    fields: dict[str, str]


@dataclass
class _Form:
    action: str
    method: str
    inputs: dict[str, str] = field(default_factory=dict)
    input_types: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value), name may be ""

    def data(self, button: tuple[str, str] | None = None, **values: str) -> dict[str, str]:
        data = {**self.inputs, **values}
        if button is not None and button[0]:
            data[button[0]] = button[1]
        return data

    def button(self, name: str, value: str | None = None) -> tuple[str, str] | None:
        for b in self.buttons:
            if b[0] == name and (value is None or b[1] == value):
                return b
        return None


class _PageParser(HTMLParser):
    """Collects forms (inputs, buttons) and the text of ``class="error"`` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self._current: _Form | None = None
        self._error_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = _Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and "name" in a:
            self._current.inputs[a["name"]] = a.get("value", "")
            self._current.input_types[a["name"]] = a.get("type", "text").lower()
        elif (
            tag == "button"
            and self._current is not None
            and a.get("type", "submit").lower() == "submit"
        ):
            self._current.buttons.append((a.get("name", ""), a.get("value", "")))
        if "error" in a.get("class", "").split():
            self._error_depth = 1
            self.errors.append("")
        elif self._error_depth:
            self._error_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        if self._error_depth:
            self._error_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._error_depth:
            self.errors[-1] += data


def _parse(response: httpx.Response) -> _PageParser:
    parser = _PageParser()
    parser.feed(response.text)
    for form in parser.forms:
        form.action = urljoin(str(response.url), form.action or str(response.url))
    return parser


def _page_summary(parser: _PageParser) -> str:
    return " ".join(" ".join(parser.text).split())[:300]


# A step is the next request the "browser" makes: (method, absolute URL, form data or None).
_Step = tuple[str, str, dict[str, str] | None]
_Walk = Generator[_Step, httpx.Response, "str | FormPost | httpx.Response"]


def _submit(form: _Form, data: dict[str, str]) -> _Step:
    if form.method == "post":
        return ("POST", form.action, data)
    return ("GET", f"{form.action}?{urlencode(data)}", None)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _raise_for_error_page(response: httpx.Response, page: _PageParser) -> None:
    if response.status_code >= 400:
        detail = "; ".join(e.strip() for e in page.errors if e.strip())
        raise InteractionError(
            f"provider answered {response.status_code}: {detail or _page_summary(page)}",
            response,
        )


def _walk(
    start_url: str,
    *,
    username: str,
    password: str,
    allow: bool,
    redirect_uri: str | None,
    user_code: str | None = None,
) -> _Walk:
    """The provider's pages as a conversation: yields requests, receives responses, and returns
    the client's redirect URL, a form_post, or the final provider page."""
    target = _without_query(redirect_uri) if redirect_uri else None
    origin = urlsplit(start_url)[:2]
    signed_in = code_submitted = False
    response = yield ("GET", start_url, None)
    for _ in range(MAX_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            leaving = urlsplit(location)[:2] != origin
            if (target and _without_query(location) == target) or leaving:
                return location
            response = yield ("GET", location, None)
            continue

        page = _parse(response)
        _raise_for_error_page(response, page)
        login = next((f for f in page.forms if "password" in f.input_types.values()), None)
        consent = next((f for f in page.forms if f.button("decision")), None)
        code_input = next((f for f in page.forms if f.input_types.get("user_code") == "text"), None)
        device_confirm = next((f for f in page.forms if f.button("abort")), None)
        form_post = next(
            (f for f in page.forms if target and _without_query(f.action) == target), None
        )
        auto_submit = next(
            (
                f
                for f in page.forms
                if "submit()" in response.text
                and urlsplit(f.action)[:2] == origin
                and set(f.input_types.values()) <= {"hidden"}
            ),
            None,
        )

        if form_post is not None:
            return FormPost(action=form_post.action, fields=dict(form_post.inputs))
        if login is not None:
            if signed_in:
                message = "; ".join(e.strip() for e in page.errors if e.strip())
                raise SignInError(message or "sign-in page shown again", response)
            signed_in = True
            response = yield _submit(login, login.data(username=username, password=password))
        elif consent is not None:
            button = consent.button("decision", "allow" if allow else "deny")
            response = yield _submit(consent, consent.data(button))
        elif code_input is not None:
            if user_code is None:
                raise InteractionError("the provider asks for a device user code", response)
            if code_submitted:  # shown again: rejected code or aborted approval
                return response
            code_submitted = True
            response = yield _submit(code_input, code_input.data(user_code=user_code))
        elif device_confirm is not None:
            response = yield _submit(device_confirm, device_confirm.data())
        elif auto_submit is not None:  # a page that posts itself with JavaScript
            response = yield _submit(auto_submit, auto_submit.data())
        else:
            return response
    raise InteractionError(f"no end after {MAX_STEPS} steps", response)


def _walk_logout(start_url: str) -> _Walk:
    origin = urlsplit(start_url)[:2]
    response = yield ("GET", start_url, None)
    for _ in range(MAX_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if urlsplit(location)[:2] != origin:
                return location
            response = yield ("GET", location, None)
            continue
        page = _parse(response)
        _raise_for_error_page(response, page)
        form = next((f for f in page.forms if f.button("logout")), None)
        if form is None:
            return str(response.url)
        response = yield _submit(form, form.data(form.button("logout")))
    raise InteractionError(f"no end after {MAX_STEPS} steps", response)


def _run(walk: _Walk, http: httpx.Client | None) -> str | FormPost | httpx.Response:
    client = http or httpx.Client(timeout=10.0)
    try:
        step = next(walk)
        while True:
            method, url, data = step
            step = walk.send(client.request(method, url, data=data))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        if http is None:
            client.close()


async def _arun(walk: _Walk, http: httpx.AsyncClient | None) -> str | FormPost | httpx.Response:
    client = http or httpx.AsyncClient(timeout=10.0)
    try:
        step = next(walk)
        while True:
            method, url, data = step
            step = walk.send(await client.request(method, url, data=data))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        if http is None:
            await client.aclose()


def _authorization_walk(authorize_url: str, username: str, password: str, allow: bool) -> _Walk:
    redirect_uri = parse_qs(urlsplit(authorize_url).query).get("redirect_uri", [None])[0]
    return _walk(
        authorize_url,
        username=username,
        password=password,
        allow=allow,
        redirect_uri=redirect_uri,
    )


def _authorization_result(result: str | FormPost | httpx.Response) -> str | FormPost:
    if isinstance(result, httpx.Response):
        raise InteractionError(
            f"authorization ended on a page, not at the client: {_page_summary(_parse(result))}",
            result,
        )
    return result


def _device_walk(
    verification_uri: str, user_code: str, username: str, password: str, deny: bool
) -> _Walk:
    return _walk(
        verification_uri,
        username=username,
        password=password,
        allow=not deny,
        redirect_uri=None,
        user_code=user_code,
    )


def _device_result(result: str | FormPost | httpx.Response, deny: bool) -> None:
    if not isinstance(result, httpx.Response):
        raise InteractionError(f"device approval left the provider: {result!r}")
    page = _parse(result)
    errors = [e.strip() for e in page.errors if e.strip()]
    if deny and "aborted" in " ".join(errors):
        return
    if deny or errors or "Device approved" not in result.text:
        raise InteractionError(
            f"device approval did not finish: {'; '.join(errors) or _page_summary(page)}", result
        )


def complete_authorization(
    authorize_url: str,
    username: str,
    password: str,
    *,
    allow: bool = True,
    http: httpx.Client | None = None,
) -> str | FormPost:
    """Sign in (and consent) for ``authorize_url``.

    Returns the URL the browser would be sent to (the client's redirect_uri with ``code``,
    ``state``, ``iss``, or ``error``), or a :class:`FormPost` for ``response_mode=form_post``.
    ``allow=False`` denies consent, which gives ``error=access_denied`` at the redirect_uri.
    Wrong credentials raise :class:`SignInError`; an error page (unknown client, unregistered
    redirect_uri) raises :class:`InteractionError`. Pass ``http`` to keep a sign-in session
    (cookies) across calls, e.g. to test SSO or ``prompt=login``.
    """
    walk = _authorization_walk(authorize_url, username, password, allow)
    return _authorization_result(_run(walk, http))


async def acomplete_authorization(
    authorize_url: str,
    username: str,
    password: str,
    *,
    allow: bool = True,
    http: httpx.AsyncClient | None = None,
) -> str | FormPost:
    """Async :func:`complete_authorization` (``httpx.AsyncClient``)."""
    walk = _authorization_walk(authorize_url, username, password, allow)
    return _authorization_result(await _arun(walk, http))


def approve_device(
    verification_uri: str,
    user_code: str,
    username: str,
    password: str,
    *,
    deny: bool = False,
    http: httpx.Client | None = None,
) -> None:
    """Enter ``user_code`` at ``verification_uri``, sign in and allow (or deny) the device.

    Raises :class:`InteractionError` if the code is rejected or the pages end anywhere but the
    provider's success page (for ``deny=True``: its "aborted" page).
    """
    walk = _device_walk(verification_uri, user_code, username, password, deny)
    _device_result(_run(walk, http), deny)


async def aapprove_device(
    verification_uri: str,
    user_code: str,
    username: str,
    password: str,
    *,
    deny: bool = False,
    http: httpx.AsyncClient | None = None,
) -> None:
    """Async :func:`approve_device` (``httpx.AsyncClient``)."""
    walk = _device_walk(verification_uri, user_code, username, password, deny)
    _device_result(await _arun(walk, http), deny)


def sign_out(end_session_url: str, *, http: httpx.Client | None = None) -> str:
    """Confirm RP-initiated logout at ``end_session_url`` (``/connect/endsession?...``).

    Returns the URL the browser ends up at: the ``post_logout_redirect_uri`` (with ``state``)
    when one was given and accepted, else the provider's "signed out" page URL. Pass the
    ``http`` client that signed in to end that session.
    """
    result = _run(_walk_logout(end_session_url), http)
    assert isinstance(result, str)
    return result


async def asign_out(end_session_url: str, *, http: httpx.AsyncClient | None = None) -> str:
    """Async :func:`sign_out`."""
    result = await _arun(_walk_logout(end_session_url), http)
    assert isinstance(result, str)
    return result

"""The code flow end to end against the real provider (`idp`) and the sandbox, sign-in by script.

A `ScriptedBrowser` plays the user: it watches the bus, and on the `open-url` action it signs in
by script (in a thread, as a browser is another process) and delivers the answer to tokenlab's
loopback listener: a GET of the redirect address, or the form_post. For paste, it hands the
address back through `FlowOptions(paste=...)`.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest

from tests.idp.fixtures import TestProvider
from tests.idp.interact import FormPost, complete_authorization
from tests.sandbox_fixtures import sign_in
from tests.support.keyrings import MemoryKeyring
from tokenlab.commands.context import CommandContext
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.commands.trace import TracePrinter
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import (
    Bus,
    Event,
    FlowFailed,
    FlowFinished,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows import authcode, authorize, token_endpoint
from tokenlab.core.flows.authcode import exchange_code
from tokenlab.core.flows.authorize import (
    AuthorizeError,
    SignInError,
    StateMismatchError,
    build_authorize_request,
    parse_pasted,
)
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.loopback import LoopbackError
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.inspection.id_token import IdTokenError
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import FlowResult
from tokenlab.sandbox import DEMO_USER, Sandbox, demo_catalog

CANARY = "CANARY-spa-secret-9d1e7f"

# -- the two targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Where the browser was sent at the end of sign-in: the client's redirect URI + answer."""

    method: str  # "GET" or "POST" (form_post)
    url: str  # the redirect URI (form action), without the answer
    params: dict[str, str]
    mode: str  # "query" | "fragment" | "form_post"

    def address(self) -> str:
        """What the address bar shows (for paste)."""
        sep = "#" if self.mode == "fragment" else "?"
        return f"{self.url}{sep}{urlencode(self.params)}"


class Target:
    name: str
    user_sub: str

    def authorize_endpoint(self) -> str:
        """Where every sign-in address of this target starts."""
        raise NotImplementedError

    def profile(self, kind: str, **changes: Any) -> Profile:
        raise NotImplementedError

    def secrets(self, profile: Profile) -> SecretStore:
        return SecretStore(env={})

    def browse(self, url: str, *, deny: bool = False) -> Delivery | None:
        """Sign in at `url` by script; None when the browser stays on an error page."""
        raise NotImplementedError


def _split(address: str) -> Delivery:
    parts = urlsplit(address)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if parts.fragment:
        return Delivery("GET", base, dict(parse_qsl(parts.fragment)), "fragment")
    return Delivery("GET", base, dict(parse_qsl(parts.query)), "query")


class IdpTarget(Target):
    name = "idp"

    def __init__(self, idp: TestProvider) -> None:
        self.idp = idp
        self.user_sub = idp.user.sub

    def authorize_endpoint(self) -> str:
        return f"{self.idp.issuer}/"

    def profile(self, kind: str, **changes: Any) -> Profile:
        scenario, client = {
            "web": ("web-app", "web"),
            "spa": ("spa", "spa"),
            "portal": ("web-portal", "portal"),
            "portal-without-service": ("web-portal", "web"),
        }[kind]
        c = self.idp.clients[client]
        values: dict[str, Any] = {
            "client_id": c.client_id,
            "auth_method": "none" if c.secret is None else "client_secret_basic",
            "redirect_uri": "http://127.0.0.1/callback",
        }
        if kind.startswith("portal"):
            values["scopes"] = ("openid", "profile", "read", "update")
        values.update(changes)
        return new_profile(f"idp-{kind}", self.idp.base_url, scenario, **values)

    def secrets(self, profile: Profile) -> SecretStore:
        store = SecretStore(env={})
        for c in self.idp.clients.values():
            if c.client_id == profile.client_id and c.secret:
                store.remember(profile.name, SecretKind.CLIENT_SECRET, c.secret)
        return store

    def browse(self, url: str, *, deny: bool = False) -> Delivery | None:
        result = complete_authorization(
            url, self.idp.user.username, self.idp.user.password, allow=not deny
        )
        if isinstance(result, FormPost):
            return Delivery("POST", result.action, dict(result.fields), "form_post")
        return _split(result)


class SandboxTarget(Target):
    name = "sandbox"
    user_sub = DEMO_USER.id

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.catalog = {d.name: d for d in demo_catalog(sandbox.url)}

    def authorize_endpoint(self) -> str:
        return f"{self.sandbox.url}/id/connect/authorize?"

    def profile(self, kind: str, **changes: Any) -> Profile:
        name = {
            "web": "demo-web-app",
            "spa": "demo-spa",
            "portal": "demo-portal",
            "mismatch": "demo-redirect-mismatch",
        }[kind]
        profile = to_profile(self.catalog[name])
        from dataclasses import replace

        return replace(profile, **changes)

    def browse(self, url: str, *, deny: bool = False) -> Delivery | None:
        with httpx.Client() as browser:
            result = sign_in(browser, url, cancel=deny)
        if result.mode == "error_page":
            return None
        if result.mode == "form_post":
            return Delivery("POST", result.target, result.params, "form_post")
        return Delivery("GET", result.target, result.params, result.mode)


@pytest.fixture(params=["idp", "sandbox"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "idp":
        return IdpTarget(request.getfixturevalue("idp"))
    return SandboxTarget(request.getfixturevalue("sandbox"))


@pytest.fixture
def sandbox_target(sandbox: Sandbox) -> SandboxTarget:
    return SandboxTarget(sandbox)


# -- the user, by script --------------------------------------------------------------------------


@dataclass
class ScriptedBrowser:
    """Signs in when tokenlab asks, and hands the answer back (loopback or paste)."""

    target: Target
    deny: bool = False
    tamper: Callable[[dict[str, str]], None] | None = None
    act: bool = True
    bare: bool = False  # paste only the code, not the address
    delivered: list[Delivery] = field(default_factory=list)
    pages: list[httpx.Response] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def attach(self, bus: Bus) -> None:
        bus.subscribe(self.on_action, UserActionRequired)

    def on_action(self, event: UserActionRequired) -> None:
        self.urls.append(event.url)
        if event.action == "open-url" and self.act:
            self.tasks.append(asyncio.get_running_loop().create_task(self.complete(event.url)))

    async def sign_in(self, url: str) -> Delivery | None:
        delivery = await asyncio.to_thread(self.target.browse, url, deny=self.deny)
        if delivery is not None and self.tamper is not None:
            self.tamper(delivery.params)
        if delivery is not None:
            self.delivered.append(delivery)
        return delivery

    async def complete(self, url: str) -> None:
        delivery = await self.sign_in(url)
        if delivery is None:
            return  # an error page: nothing comes back, as in a real browser
        async with httpx.AsyncClient() as browser:
            if delivery.method == "POST":
                page = await browser.post(delivery.url, data=delivery.params)
            else:  # the listener reads the query; a fragment would be posted by its page
                page = await browser.get(delivery.url, params=delivery.params)
        self.pages.append(page)

    async def paste(self, prompt: str) -> str:
        assert prompt
        delivery = await self.sign_in(self.urls[-1])
        assert delivery is not None
        return delivery.params["code"] if self.bare else delivery.address()

    async def finish(self) -> None:
        await asyncio.gather(*self.tasks)  # a failing scripted sign-in fails the test


@dataclass
class Run:
    events: list[Event]
    browser: ScriptedBrowser
    store: SecretStore
    result: FlowResult | None = None
    error: TokenlabError | None = None

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def token_posts(self) -> list[HttpExchange]:
        return [
            e
            for e in self.of(HttpExchange)
            if e.method == "POST" and urlsplit(e.url).path.endswith("/connect/token")
        ]

    def authorize_params(self) -> dict[str, str]:
        url = self.of(UserActionRequired)[0].url
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def sequence(self) -> str:
        """The run as words: started, http, action:open-url, token, issued, failed, finished:True."""
        words = []
        for e in self.events:
            if isinstance(e, FlowStarted):
                words.append("started")
            elif isinstance(e, HttpExchange):
                words.append("token" if e in self.token_posts() else "http")
            elif isinstance(e, UserActionRequired):
                words.append(f"action:{e.action}")
            elif isinstance(e, TokenIssued):
                words.append("issued")
            elif isinstance(e, FlowFailed):
                words.append("failed")
            elif isinstance(e, FlowFinished):
                words.append(f"finished:{e.ok}")
        return " ".join(words)


async def run(
    target: Target,
    profile: Profile,
    *,
    store: SecretStore | None = None,
    finish: str | None = None,
    wait: float = 15.0,
    flow: str | None = None,
    **browser: Any,
) -> Run:
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    scripted = ScriptedBrowser(target, **browser)
    scripted.attach(bus)
    store = store or target.secrets(profile)
    options = FlowOptions(
        finish=finish,  # type: ignore[arg-type]
        open_browser=False,
        paste=scripted.paste,
        wait_timeout=wait,
    )
    outcome = Run(events, scripted, store)
    try:
        outcome.result = await run_flow(profile, secrets=store, bus=bus, flow=flow, options=options)
    except TokenlabError as exc:
        outcome.error = exc
    await scripted.finish()
    return outcome


SUCCESS = re.compile(r"started( http)+ action:open-url( http)* token( http)? issued finished:True")


def no_file_contains(value: str, *dirs: Path) -> bool:
    for directory in dirs:
        for path in directory.rglob("*") if directory.exists() else []:
            if path.is_file() and value in path.read_text(errors="ignore"):
                return False
    return True


# -- the scenarios that work ----------------------------------------------------------------------


async def test_web_app_form_post_code_id_token_with_refresh_token(
    target: Target, memory_keyring: MemoryKeyring, isolated_dirs: dict[str, Path]
) -> None:
    profile = target.profile("web")
    assert "offline_access" in profile.scopes
    done = await run(target, profile)
    assert done.error is None, done.error
    assert SUCCESS.fullmatch(done.sequence()), done.sequence()
    params = done.authorize_params()
    assert params["response_type"] == "code id_token"
    assert params["response_mode"] == "form_post"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) == 43 and len(params["nonce"]) == 43  # 32 bytes, base64url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", params["redirect_uri"])
    # the answer really came as a form POST with the id_token, and the tab was told to close
    [delivery] = done.browser.delivered
    assert delivery.method == "POST" and {"code", "state", "id_token"} <= set(delivery.params)
    assert "close this tab" in done.browser.pages[0].text

    result = done.result
    assert result is not None and result.flow == "auth-code"
    token = result.api_token
    claims = jwt.decode(token.access_token, options={"verify_signature": False})
    assert claims["sub"] == target.user_sub
    assert token.id_token and token.refresh_token
    # the refresh token is in the secret store (keyring), never on disk
    assert done.store.get(profile.name, SecretKind.REFRESH_TOKEN) == token.refresh_token
    assert token.refresh_token in memory_keyring.values.values()
    assert no_file_contains(token.refresh_token, *isolated_dirs.values())
    assert any("refresh token" in n and "keyring" in n for n in result.notes)
    assert any(n.startswith("signed in as") for n in result.notes)
    # the check of the sign-in address leaves no provider cookie on tokenlab's client
    assert "cookie" not in {k.lower() for k, _ in done.token_posts()[0].request_headers}
    # nothing secret in any event
    for event in done.events:
        for secret in (token.access_token, token.refresh_token, delivery.params["code"]):
            assert secret not in repr(event)


async def test_spa_public_client_sends_no_secret(target: Target, idp: TestProvider) -> None:
    profile = target.profile("spa")
    assert profile.auth_method == "none"
    store = SecretStore(env={})
    store.remember(profile.name, SecretKind.CLIENT_SECRET, CANARY)  # present, must not be sent
    done = await run(target, profile, store=store)
    assert done.error is None, done.error
    assert SUCCESS.fullmatch(done.sequence()), done.sequence()
    params = done.authorize_params()
    assert params["response_type"] == "code" and "response_mode" not in params
    assert done.browser.delivered[0].method == "GET"
    [post] = done.token_posts()
    assert "authorization" not in {k.lower() for k, _ in post.request_headers}
    assert "client_secret" not in post.request_body and "code_verifier=" in post.request_body
    assert all(CANARY not in repr(e) for e in done.events)
    if isinstance(target, IdpTarget):
        assert idp.last_token_request(profile.client_id)["auth_method"] == "none"
    assert done.result is not None and done.result.api_token.refresh_token is None


async def test_paste_finish_uses_the_query(target: Target) -> None:
    done = await run(target, target.profile("web"), finish="paste")
    assert done.error is None, done.error
    assert re.fullmatch(
        r"started( http)+ action:paste-redirect( http)* token( http)? issued finished:True",
        done.sequence(),
    ), done.sequence()
    params = done.authorize_params()
    assert params["response_type"] == "code" and "response_mode" not in params
    # a pasted loopback URI keeps the registered form (no listener, so no port was added)
    assert params["redirect_uri"] == "http://127.0.0.1/callback"
    assert done.browser.delivered[0].mode == "query"
    assert done.result is not None and done.result.api_token.access_token


async def test_paste_of_a_bare_code_says_state_was_not_checked(
    sandbox_target: SandboxTarget,
) -> None:
    done = await run(sandbox_target, sandbox_target.profile("spa"), finish="paste", bare=True)
    assert done.error is None, done.error
    notices = [n.message for n in done.of(Notice)]
    assert any("state could not be checked" in m for m in notices), notices


async def test_fixed_loopback_port_from_the_profile(sandbox_target: SandboxTarget) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = await run(sandbox_target, sandbox_target.profile("spa", loopback_port=port))
    assert done.error is None, done.error
    assert done.authorize_params()["redirect_uri"] == f"http://127.0.0.1:{port}/callback"


async def test_ssh_session_is_told_the_port_forward_and_the_alternatives(
    sandbox_target: SandboxTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    done = await run(sandbox_target, sandbox_target.profile("spa"))
    assert done.error is None, done.error
    action = done.of(UserActionRequired)[0]
    port = urlsplit(done.authorize_params()["redirect_uri"]).port
    assert action.ssh_command.startswith(f"ssh -L {port}:127.0.0.1:{port} ")
    assert action.ssh_command in action.message  # the prose, for a face that shows only that
    assert "--" not in action.message
    [other_ways] = [
        n.remedy
        for n in done.of(Notice)
        if n.remedy is not None and n.remedy.kind == RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY
    ]
    assert other_ways.get("ways") == ("paste", "device")
    # the CLI prints the forward and says which flags finish the sign-in another way
    shown = cli_output(done.events)
    assert action.ssh_command in shown
    assert "run again with --paste or --device" in shown


def cli_output(events: list[Event]) -> str:
    """What `tokenlab token` prints on stderr for these events (trace and notices)."""
    stderr = io.StringIO()
    bus = Bus()
    CommandContext(stdin=io.StringIO(), stdout=io.StringIO(), stderr=stderr, bus=bus)
    TracePrinter(stderr).attach(bus)
    for event in events:
        bus.publish(event)
    return stderr.getvalue()


async def test_loopback_action_carries_the_fields_a_screen_needs(target: Target) -> None:
    began = time.time()
    done = await run(target, target.profile("spa"), wait=15)
    assert done.error is None, done.error
    [action] = done.of(UserActionRequired)
    assert action.action == "open-url" and not action.expects_paste
    assert action.url.startswith(target.authorize_endpoint())
    listener = done.authorize_params()["redirect_uri"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", listener)
    assert action.redirect_uri == listener
    assert action.ssh_command == ""  # not over SSH
    assert action.deadline is not None and began + 15 <= action.deadline <= time.time() + 15
    assert (action.user_code, action.verification_uri) == ("", "")
    assert "--" not in action.message


async def test_paste_action_expects_a_paste_and_says_where_the_browser_goes(
    target: Target,
) -> None:
    began = time.time()
    done = await run(target, target.profile("spa"), finish="paste", wait=15)
    assert done.error is None, done.error
    [action] = done.of(UserActionRequired)
    assert action.action == "paste-redirect" and action.expects_paste
    assert action.url.startswith(target.authorize_endpoint())
    assert action.redirect_uri == "http://127.0.0.1/callback"  # as registered: no listener
    assert action.redirect_uri == done.authorize_params()["redirect_uri"]
    assert action.deadline is not None and began + 15 <= action.deadline <= time.time() + 15
    assert action.ssh_command == "" and "--" not in action.message


# -- failures -------------------------------------------------------------------------------------


def assert_failed_without_exchange(done: Run) -> None:
    assert done.token_posts() == []
    assert done.of(FlowFailed) and done.of(FlowFinished)[-1].ok is False
    assert done.of(TokenIssued) == []


async def test_redirect_uri_not_registered_is_explained_at_once(
    sandbox_target: SandboxTarget,
) -> None:
    profile = sandbox_target.profile("mismatch")
    # what a browser sees: the authorize page is an error page and never redirects
    request = build_authorize_request(
        profile,
        authorization_endpoint=f"{sandbox_target.sandbox.url}/id/connect/authorize",
        redirect_uri="http://127.0.0.1:50123/callback",
    )
    assert sandbox_target.browse(request.url) is None

    done = await run(sandbox_target, profile, wait=5)
    assert isinstance(done.error, AuthorizeError), done.error
    assert done.error.error == "invalid_redirect_uri"
    assert "not registered" in done.error.message
    assert "ImpersonateLoginUrl" in done.error.hint
    assert done.of(UserActionRequired) == []  # no point sending the user to an error page
    assert_failed_without_exchange(done)


async def test_redirect_uri_not_registered_on_the_real_provider(idp: TestProvider) -> None:
    target = IdpTarget(idp)
    done = await run(target, target.profile("spa", redirect_uri="http://127.0.0.1/not-registered"))
    assert isinstance(done.error, AuthorizeError), done.error
    assert done.error.error == "invalid_redirect_uri"
    assert "ImpersonateLoginUrl" in done.error.hint
    assert_failed_without_exchange(done)


def test_a_reported_error_page_is_explained_when_pasted(sandbox: Sandbox) -> None:
    profile = SandboxTarget(sandbox).profile("mismatch")
    endpoint = f"{sandbox.url}/id/connect/authorize"
    uri = "http://127.0.0.1/callback"
    with pytest.raises(AuthorizeError) as caught:
        parse_pasted(
            "error: invalid_redirect_uri redirect_uri is not registered",
            authorization_endpoint=endpoint,
            profile=profile,
            redirect_uri=uri,
        )
    assert caught.value.error == "invalid_redirect_uri" and uri in caught.value.message
    with pytest.raises(SignInError) as pasted_itself:
        parse_pasted(
            f"{endpoint}?client_id=x&redirect_uri=y",
            authorization_endpoint=endpoint,
            profile=profile,
            redirect_uri=uri,
        )
    assert "redirect URI" in pasted_itself.value.hint
    with pytest.raises(SignInError):
        parse_pasted("   ", authorization_endpoint=endpoint, profile=profile, redirect_uri=uri)
    fragment = parse_pasted(
        "http://127.0.0.1/callback#code=abc&state=s",
        authorization_endpoint=endpoint,
        profile=profile,
        redirect_uri=uri,
    )
    assert fragment.params == {"code": "abc", "state": "s"} and not fragment.bare_code


async def test_nothing_comes_back_times_out_naming_redirect_registration(
    sandbox_target: SandboxTarget,
) -> None:
    done = await run(sandbox_target, sandbox_target.profile("spa"), wait=0.3, act=False)
    assert isinstance(done.error, LoopbackError), done.error
    assert "redirect URI" in done.error.hint and "registered" in done.error.hint
    assert_failed_without_exchange(done)


@pytest.mark.slow
async def test_state_mismatch_is_refused_and_nothing_exchanged(target: Target) -> None:
    def other_state(params: dict[str, str]) -> None:
        params["state"] = "x" * 43

    # pasted: refused at once; at the loopback listener: ignored until the deadline
    done = await run(target, target.profile("web"), tamper=other_state, finish="paste")
    assert isinstance(done.error, StateMismatchError), done.error
    assert "nothing was exchanged" in done.error.message
    assert done.error.hint
    assert_failed_without_exchange(done)
    assert re.fullmatch(
        r"started( http)+ action:paste-redirect( http)* failed finished:False", done.sequence()
    ), done.sequence()
    done = await run(target, target.profile("web"), tamper=other_state, wait=2)
    assert isinstance(done.error, LoopbackError), done.error
    assert "1 request with a wrong state was ignored" in done.error.message
    assert_failed_without_exchange(done)


async def test_altered_front_channel_id_token_is_refused_before_the_exchange(
    target: Target,
) -> None:
    def alter_signature(params: dict[str, str]) -> None:
        head, body, signature = params["id_token"].split(".")
        flipped = "A" if signature[10] != "A" else "B"
        params["id_token"] = f"{head}.{body}.{signature[:10]}{flipped}{signature[11:]}"

    done = await run(target, target.profile("web"), tamper=alter_signature)
    assert isinstance(done.error, IdTokenError), done.error
    assert "signature" in done.error.message
    assert_failed_without_exchange(done)


async def test_scope_not_allowed_comes_back_as_an_explained_error(
    sandbox_target: SandboxTarget,
) -> None:
    profile = sandbox_target.profile("web", scopes=("openid", "profile", "read", "bogus"))
    done = await run(sandbox_target, profile)
    assert isinstance(done.error, AuthorizeError), done.error
    assert done.error.error == "invalid_scope"
    assert "'bogus'" in done.error.message and "Scope" in done.error.hint
    # the form_post error page was read before sending the user anywhere
    assert done.of(UserActionRequired) == []
    assert_failed_without_exchange(done)


async def test_pkce_failure_is_invalid_grant_explained(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = token_endpoint.pkce_pair

    def mismatched() -> tuple[str, str]:
        verifier, _ = real()
        _, challenge = real()
        return verifier, challenge

    monkeypatch.setattr(authorize, "pkce_pair", mismatched)
    done = await run(target, target.profile("spa"))
    assert isinstance(done.error, TokenEndpointError), done.error
    assert done.error.error == "invalid_grant"
    assert "PKCE" in done.error.hint
    assert len(done.token_posts()) == 1 and done.of(TokenIssued) == []


async def test_code_reused_is_invalid_grant(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifiers: list[str] = []
    real = token_endpoint.pkce_pair

    def recorded() -> tuple[str, str]:
        pair = real()
        verifiers.append(pair[0])
        return pair

    monkeypatch.setattr(authorize, "pkce_pair", recorded)
    profile = target.profile("spa")
    done = await run(target, profile)
    assert done.error is None, done.error
    code = done.browser.delivered[0].params["code"]
    redirect_uri = done.authorize_params()["redirect_uri"]

    bus = Bus()
    async with build_client(HttpOptions(), bus=bus, redactor=done.store.redactor) as client:
        ctx = FlowContext(profile=profile, secrets=done.store, bus=bus, run_id="r", client=client)
        with pytest.raises(TokenEndpointError) as caught:
            await exchange_code(ctx, code, redirect_uri=redirect_uri, code_verifier=verifiers[0])
    assert caught.value.error == "invalid_grant"
    assert "already used" in caught.value.hint
    assert code not in str(caught.value)


async def test_access_denied_on_the_callback(target: Target) -> None:
    done = await run(target, target.profile("spa"), deny=True)
    assert isinstance(done.error, AuthorizeError), done.error
    assert done.error.error == "access_denied"
    assert done.error.hint
    assert "did not succeed" in done.browser.pages[0].text
    assert_failed_without_exchange(done)


async def test_wrong_client_secret_is_invalid_client(target: Target) -> None:
    profile = target.profile("web")
    wrong = "wrong-secret-7f3a9c"
    store = SecretStore(env={})
    store.remember(profile.name, SecretKind.CLIENT_SECRET, wrong)
    done = await run(target, profile, store=store)
    assert isinstance(done.error, TokenEndpointError), done.error
    assert done.error.error == "invalid_client"
    assert "secret" in done.error.hint
    assert wrong not in str(done.error) and all(wrong not in repr(e) for e in done.events)
    assert re.fullmatch(
        r"started( http)+ action:open-url( http)* token failed finished:False", done.sequence()
    ), done.sequence()


async def test_a_redirect_uri_tokenlab_cannot_receive_needs_paste(
    sandbox_target: SandboxTarget,
) -> None:
    profile = sandbox_target.profile("spa", redirect_uri="https://portal.example/signin-oidc")
    done = await run(sandbox_target, profile, finish="loopback")
    assert isinstance(done.error, SignInError), done.error
    assert done.error.remedy == remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste",))
    assert "--" not in done.error.hint
    assert "--paste" in hint_with_remedy(done.error.hint, done.error.remedy)
    # the runner sends --device to the device flow; the code flow itself refuses it plainly
    ctx = FlowContext(
        profile=sandbox_target.profile("spa"),
        secrets=SecretStore(env={}),
        bus=Bus(),
        run_id="r",
        client=httpx.AsyncClient(),
        options=FlowOptions(finish="device"),
    )
    with pytest.raises(SignInError) as caught:
        authcode.choose_finish(ctx, authcode.plan_redirect(ctx.profile))
    assert caught.value.remedy is not None and caught.value.remedy.get("ways") == ("device",)
    assert "--device" in hint_with_remedy(caught.value.hint, caught.value.remedy)
    await ctx.client.aclose()


async def test_cancelling_a_waiting_flow_leaves_no_listener_and_no_task(
    sandbox_target: SandboxTarget,
) -> None:
    before = asyncio.all_tasks()
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    asked = asyncio.Event()
    bus.subscribe(lambda e: asked.set(), UserActionRequired)
    options = FlowOptions(open_browser=False, wait_timeout=30)
    task = asyncio.create_task(
        run_flow(
            sandbox_target.profile("spa"),
            secrets=SecretStore(env={}),
            bus=bus,
            options=options,
        )
    )
    await asyncio.wait_for(asked.wait(), 5)
    url = next(e.url for e in events if isinstance(e, UserActionRequired))
    port = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).port
    assert port
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as late:
            await late.get(f"http://127.0.0.1:{port}/callback?code=late")
    finished = [e for e in events if isinstance(e, FlowFinished)]
    assert finished and finished[-1].ok is False


async def test_cancelling_while_waiting_for_a_paste_leaves_no_task(
    sandbox_target: SandboxTarget,
) -> None:
    before = asyncio.all_tasks()
    asked = asyncio.Event()

    async def paste(prompt: str) -> str:
        asked.set()
        await asyncio.Event().wait()  # a user who never pastes
        raise AssertionError("unreachable")

    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    options = FlowOptions(finish="paste", paste=paste, open_browser=False, wait_timeout=30)
    task = asyncio.create_task(
        run_flow(
            sandbox_target.profile("spa"), secrets=SecretStore(env={}), bus=bus, options=options
        )
    )
    await asyncio.wait_for(asked.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
    assert [e.ok for e in events if isinstance(e, FlowFinished)] == [False]


@pytest.fixture(autouse=True)
def _no_real_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may open a browser, whatever the machine has."""

    def refuse(url: str) -> bool:
        raise AssertionError(f"a test tried to open a browser at {url}")

    monkeypatch.setattr("webbrowser.open", refuse)
    yield


# -- the pieces, without a server -----------------------------------------------------------------

ENDPOINT = "https://acme.my.erp.net/id/connect/authorize"
ISSUER = "https://acme.my.erp.net/id"


def web_profile(**changes: Any) -> Profile:
    return new_profile(
        "acme-web", "https://acme.my.erp.net", "web-app", client_id="com.acme/web", **changes
    )


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_authorize_request_follows_the_scenario_and_the_profile() -> None:
    uri = "http://127.0.0.1:5000/callback"
    web = build_authorize_request(web_profile(), authorization_endpoint=ENDPOINT, redirect_uri=uri)
    q = query_of(web.url)
    assert (q["response_type"], q["response_mode"]) == ("code id_token", "form_post")
    assert q["redirect_uri"] == uri and q["client_id"] == "com.acme/web"
    assert q["state"] == web.state and q["nonce"] == web.nonce and web.state != web.nonce
    assert web.code_verifier not in web.url and web.code_verifier not in repr(web)

    pasted = build_authorize_request(
        web_profile(), authorization_endpoint=ENDPOINT, redirect_uri=uri, finish="paste"
    )
    assert query_of(pasted.url)["response_type"] == "code"
    assert "response_mode" not in query_of(pasted.url)

    custom = web_profile(
        authorize_params=(
            ("response_type", "code"),
            ("prompt", "login"),
            ("state", "fixed"),
            ("redirect_uri", "https://evil.example/cb"),
        )
    )
    request = build_authorize_request(custom, authorization_endpoint=ENDPOINT, redirect_uri=uri)
    q = query_of(request.url)
    # response_type and response_mode are overridden separately: the web app still posts
    assert q["response_type"] == "code" and q["response_mode"] == "form_post"
    assert q["prompt"] == "login"
    assert q["state"] == request.state != "fixed" and q["redirect_uri"] == uri
    assert len(request.notes) == 2 and all("ignored" in n for n in request.notes)

    hybrid_paste = build_authorize_request(
        web_profile(authorize_params=(("response_type", "id_token code"),)),
        authorization_endpoint=ENDPOINT,
        redirect_uri=uri,
        finish="paste",
    )
    assert query_of(hybrid_paste.url)["response_mode"] == "fragment"  # never tokens in a query


def test_callback_checks_state_first_then_issuer_then_error_then_code() -> None:
    profile = web_profile()
    request = build_authorize_request(
        profile, authorization_endpoint=ENDPOINT, redirect_uri="http://127.0.0.1:1/callback"
    )

    def check(params: dict[str, str], **kw: Any) -> Any:
        return authorize.parse_callback(params, request, profile=profile, issuer=ISSUER, **kw)

    with pytest.raises(StateMismatchError):
        check({"error": "access_denied", "state": "other"})
    with pytest.raises(StateMismatchError):
        check({"code": "c"})  # no state on a loopback answer
    with pytest.raises(SignInError, match="issuer"):
        check({"code": "c", "state": request.state, "iss": "https://id.erp.net/id"})
    with pytest.raises(AuthorizeError) as caught:
        check({"error": "invalid_scope", "error_description": "scope 'x'", "state": request.state})
    assert caught.value.error == "invalid_scope"
    with pytest.raises(SignInError, match="neither"):
        check({"state": request.state})
    answer = check({"code": "the-code", "state": request.state, "iss": ISSUER})
    assert answer.code == "the-code" and answer.state_checked and "the-code" not in repr(answer)
    assert not check({"code": "c"}, state_required=False).state_checked

"""The device flow end to end: the real provider (tests/idp) and the sandbox, approval by script.

The test subscribes to the bus like the console does; on the enter-code event it approves the
device from a thread, as a person on their phone would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.idp.fixtures import TestProvider
from tests.idp.interact import InteractionError, approve_device
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.events import (
    Bus,
    Event,
    FlowFailed,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
    UserActionRequired,
)
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows import device
from tokenlab.core.flows.device import DeviceFlowError, DevicePacing
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.token_set import FlowResult
from tokenlab.sandbox import DEMO_USER, Sandbox, TrustedApplication, hash_secret

SANDBOX_DEVICE = "com.tokenlab.demo/device"
Approve = Callable[[str, str], None]  # (url, user_code)


# --- helpers -------------------------------------------------------------------------------------


def idp_profile(
    idp: TestProvider, scopes: tuple[str, ...] = ("openid", "offline_access", "read")
) -> Profile:
    client = idp.clients["device"]
    return new_profile(
        "idp-device",
        idp.base_url,
        "spa",
        client_id=client.client_id,
        auth_method="none",
        scopes=scopes,
    )


def sandbox_profile(sb: Sandbox, **values: Any) -> Profile:
    values.setdefault("client_id", SANDBOX_DEVICE)
    values.setdefault("auth_method", "none")
    values.setdefault("scopes", ("openid", "read"))
    return new_profile("sandbox-device", sb.url, "spa", **values)


def idp_approver(idp: TestProvider, *, deny: bool = False) -> Approve:
    def approve(url: str, user_code: str) -> None:
        try:
            approve_device(url, user_code, idp.user.username, idp.user.password, deny=deny)
        except InteractionError as exc:
            # Denying: our poll may consume the denied code before the provider renders its
            # "aborted" page, which then says the code is unknown. The flow's answer decides.
            if not (deny and "incorrect or expired" in str(exc)):
                raise

    return approve


def sandbox_approver(sb: Sandbox, *, deny: bool = False) -> Approve:
    """What a person does on the sandbox's device page: open the URL, sign in, allow or deny."""

    def approve(url: str, user_code: str) -> None:
        with httpx.Client(timeout=5) as browser:
            page = browser.get(url)
            assert page.status_code == 200 and user_code in page.text
            answer = browser.post(
                f"{sb.url}/id/device",
                data={
                    "user_code": user_code,
                    "username": DEMO_USER.username,
                    "password": DEMO_USER.password,
                    "action": "deny" if deny else "approve",
                },
            )
            assert answer.status_code == 200, answer.text
            assert ("denied" if deny else "connected") in answer.text

    return approve


def is_pending_poll(event: Event) -> bool:
    return (
        isinstance(event, HttpExchange)
        and event.url.endswith("/connect/token")
        and "authorization_pending" in event.response_body
    )


@dataclass
class Approver:
    """Approves from a thread once the code is shown and `after_pending` polls were answered."""

    approve: Approve | None
    after_pending: int = 0
    shown: asyncio.Event = field(default_factory=asyncio.Event)
    action: UserActionRequired | None = None
    pending_seen: int = 0
    thread: threading.Thread | None = None
    errors: list[BaseException] = field(default_factory=list)
    on_event: Callable[[Event], None] | None = None

    def __call__(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)
        if isinstance(event, UserActionRequired) and event.action == "enter-code":
            self.action = event
            self.shown.set()
        if is_pending_poll(event):
            self.pending_seen += 1
        if self.action is not None and self.pending_seen >= self.after_pending:
            self.start()

    def start(self) -> None:
        if self.thread is not None or self.approve is None or self.action is None:
            return
        approve, action = self.approve, self.action

        def run() -> None:
            try:
                approve(action.url, action.user_code)
            except BaseException as exc:
                self.errors.append(exc)

        self.thread = threading.Thread(target=run, name="approve-device", daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(10)
        if self.errors:
            raise self.errors[0]


@dataclass
class Run:
    result: FlowResult | None
    error: BaseException | None
    events: list[Event]
    secrets: SecretStore
    seconds: float


async def run_device_flow(
    profile: Profile,
    approver: Approver,
    *,
    secrets: SecretStore | None = None,
    wait_timeout: float = 20.0,
    client: httpx.AsyncClient | None = None,
    bus: Bus | None = None,
) -> Run:
    bus = bus or Bus()
    secrets = secrets or SecretStore(env={})
    bus.subscribe(approver)
    began = time.monotonic()
    error: BaseException | None = None
    result: FlowResult | None = None
    with bus.collect() as events:
        try:
            result = await run_flow(
                profile,
                secrets=secrets,
                bus=bus,
                flow="device",
                options=FlowOptions(wait_timeout=wait_timeout),
                client=client,
            )
        except Exception as exc:
            error = exc
    await asyncio.to_thread(approver.join)
    return Run(result, error, list(events), secrets, time.monotonic() - began)


def label(event: Event) -> str:
    if isinstance(event, HttpExchange):
        if "openid-configuration" in event.url:
            return "discovery"
        if event.url.endswith("/connect/deviceauthorization"):
            return "device-authorization"
        if event.url.endswith("/connect/token"):
            return "poll"
        return "http"
    return {
        FlowStarted: "started",
        UserActionRequired: "enter-code",
        TokenIssued: "issued",
        FlowFailed: "failed",
        Notice: "notice",
    }.get(type(event), "ok" if getattr(event, "ok", False) else "finished")


def assert_device_action_fields(
    action: UserActionRequired, run: Run, *, wait_timeout: float
) -> None:
    """What a screen shows for the device flow, as fields: code, pages, when the wait ends."""
    answer = next(e for e in run.events if label(e) == "device-authorization")
    assert isinstance(answer, HttpExchange)
    body = json.loads(answer.response_body)
    assert action.action == "enter-code" and not action.expects_paste
    assert action.user_code == body["user_code"]
    assert action.verification_uri == body["verification_uri"]
    assert action.verification_uri_complete == body.get("verification_uri_complete", "")
    assert action.url == (action.verification_uri_complete or action.verification_uri)
    # the wait ends when the code expires or the run stops waiting, whichever comes first
    wait = min(float(body.get("expires_in") or wait_timeout), wait_timeout)
    started = time.time() - run.seconds
    assert action.deadline is not None
    assert started + wait - 1 <= action.deadline <= started + wait + run.seconds + 1
    assert "--" not in action.message and (action.ssh_command, action.redirect_uri) == ("", "")


def sequence(events: list[Event]) -> str:
    return " ".join(label(e) for e in events if not isinstance(e, Notice))


def assert_nothing_unmasked(events: list[Event], *values: str | None) -> None:
    shown = "\n".join(repr(e) for e in events)
    for value in values:
        if value:
            assert value not in shown


def device_code_masked(events: list[Event]) -> None:
    answer = next(e for e in events if label(e) == "device-authorization")
    assert isinstance(answer, HttpExchange) and answer.status == 200
    body = json.loads(answer.response_body)
    assert re.fullmatch(r".{0,4}…\(\d+ chars\)", body["device_code"]), body["device_code"]


@pytest.fixture
def fast_slow_down(monkeypatch: pytest.MonkeyPatch) -> DevicePacing:
    pacing = DevicePacing(default_interval_s=5.0, slow_down_step_s=0.25)
    monkeypatch.setattr(device, "PACING", pacing)
    return pacing


# --- the real provider ---------------------------------------------------------------------------


@pytest.mark.idp
@pytest.mark.slow
async def test_idp_device_approved_issues_and_keeps_refresh_token(idp: TestProvider) -> None:
    profile = idp_profile(idp)
    run = await run_device_flow(profile, Approver(idp_approver(idp)))
    assert run.error is None, run.error
    assert run.result is not None
    token = run.result.api_token
    assert token.flow == "device" and token.scope and "read" in token.scope
    assert re.fullmatch(
        r"started discovery device-authorization enter-code( poll)+ issued ok", sequence(run.events)
    ), sequence(run.events)
    action = next(e for e in run.events if isinstance(e, UserActionRequired))
    assert action.user_code and action.user_code in action.message
    assert_device_action_fields(action, run, wait_timeout=20.0)
    stored = run.secrets.get(profile.name, SecretKind.REFRESH_TOKEN)
    assert stored and stored == token.refresh_token
    device_code_masked(run.events)
    assert_nothing_unmasked(run.events, token.access_token, token.refresh_token, token.id_token)
    assert run.seconds < 6
    # a public client refreshes with its client_id only, and the token rotates
    refreshed = await run_flow(profile, secrets=run.secrets, bus=Bus(), flow="refresh")
    assert refreshed.api_token.refresh_token not in (None, stored)
    assert (
        run.secrets.get(profile.name, SecretKind.REFRESH_TOKEN) == refreshed.api_token.refresh_token
    )


@pytest.mark.idp
@pytest.mark.slow
async def test_idp_device_pending_then_approved(idp: TestProvider) -> None:
    approver = Approver(idp_approver(idp), after_pending=1)
    run = await run_device_flow(idp_profile(idp, ("read",)), approver)
    assert run.error is None, run.error
    assert approver.pending_seen >= 1
    polls = [e for e in run.events if label(e) == "poll"]
    assert polls[0].status == 400 and polls[-1].status == 200  # type: ignore[attr-defined]
    # the advertised interval (1 s) is honoured between polls
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls)]
    assert gaps and min(gaps) >= 0.95


@pytest.mark.idp
@pytest.mark.slow
async def test_idp_device_denied_is_explained(idp: TestProvider) -> None:
    run = await run_device_flow(idp_profile(idp), Approver(idp_approver(idp, deny=True)))
    assert isinstance(run.error, TokenEndpointError)
    assert run.error.error == "access_denied"
    assert "refused" in run.error.message and run.error.hint
    failed = [e for e in run.events if isinstance(e, FlowFailed)]
    assert failed and "access_denied" in failed[0].message
    assert sequence(run.events).endswith("failed finished")


@pytest.mark.idp
@pytest.mark.slow
async def test_idp_cancel_while_waiting_stops_polling(idp: TestProvider) -> None:
    profile = idp_profile(idp)
    bus = Bus()
    approver = Approver(None)
    bus.subscribe(approver)
    with bus.collect() as events:
        task = asyncio.create_task(
            run_flow(profile, secrets=SecretStore(env={}), bus=bus, flow="device")
        )
        await asyncio.wait_for(approver.shown.wait(), 5)
        while approver.pending_seen < 1:  # one poll answered authorization_pending
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []
    assert sequence(events).endswith("failed finished")
    assert any(isinstance(e, FlowFailed) and e.message == "cancelled" for e in events)
    client_id = profile.client_id

    def polls() -> int:
        return sum(
            1
            for r in idp.token_requests()
            if r["client_id"] == client_id and "device_code" in str(r.get("grant_type"))
        )

    before = polls()
    assert before >= 1
    await asyncio.sleep(1.3)  # longer than the interval: a leftover poller would have polled
    assert polls() == before


# --- the sandbox ---------------------------------------------------------------------------------


@pytest.mark.slow
async def test_sandbox_device_approved(sandbox: Sandbox) -> None:
    run = await run_device_flow(sandbox_profile(sandbox), Approver(sandbox_approver(sandbox)))
    assert run.error is None, run.error
    assert run.result is not None
    assert run.result.api_token.scope == ("openid", "read")
    assert re.fullmatch(
        r"started discovery device-authorization enter-code( poll)+ issued ok", sequence(run.events)
    ), sequence(run.events)
    action = next(e for e in run.events if isinstance(e, UserActionRequired))
    assert action.url == f"{sandbox.url}/id/device?userCode={action.user_code}"
    assert action.verification_uri == f"{sandbox.url}/id/device"
    assert action.verification_uri_complete == action.url
    assert_device_action_fields(action, run, wait_timeout=20.0)
    assert run.result.api_token.refresh_token is None  # the sandbox gives public clients none
    device_code_masked(run.events)
    assert_nothing_unmasked(run.events, run.result.api_token.access_token)


@pytest.mark.slow
async def test_sandbox_confidential_device_client_authenticates_and_keeps_refresh_token(
    sandbox: Sandbox,
) -> None:
    secret = "device-conf-secret-0f9e"
    sandbox.register(
        TrustedApplication(
            "com.test/device-confidential",
            secret_hash=hash_secret(secret),
            impersonate_internal_user_allowed=True,
            device_flow_allowed=True,
        )
    )
    profile = sandbox_profile(
        sandbox,
        client_id="com.test/device-confidential",
        auth_method="client_secret_basic",
        scopes=("openid", "offline_access", "read"),
    )
    secrets = SecretStore(env={})
    secrets.remember(profile.name, SecretKind.CLIENT_SECRET, secret)
    run = await run_device_flow(profile, Approver(sandbox_approver(sandbox)), secrets=secrets)
    assert run.error is None, run.error
    assert run.result is not None and run.result.api_token.refresh_token
    assert secrets.get(profile.name, SecretKind.REFRESH_TOKEN) == run.result.api_token.refresh_token
    posts = [e for e in run.events if isinstance(e, HttpExchange) and e.method == "POST"]
    assert all(dict(e.request_headers).get("authorization", "").startswith("Basic ") for e in posts)
    assert_nothing_unmasked(run.events, secret, run.result.api_token.refresh_token)


@pytest.mark.slow
async def test_sandbox_device_denied(sandbox: Sandbox) -> None:
    run = await run_device_flow(
        sandbox_profile(sandbox), Approver(sandbox_approver(sandbox, deny=True))
    )
    assert isinstance(run.error, TokenEndpointError)
    assert run.error.error == "access_denied"
    assert run.error.hint == "sign in again and approve the request"


@pytest.mark.slow
async def test_sandbox_device_code_expired(isolated_sandbox: Sandbox) -> None:
    isolated_sandbox.settings.device_code_ttl = 1
    run = await run_device_flow(sandbox_profile(isolated_sandbox), Approver(None))
    assert isinstance(run.error, TokenEndpointError), run.error
    assert run.error.error == "expired_token"
    assert "expired before it was approved" in run.error.message
    assert "start the device flow again" in run.error.hint
    assert run.seconds < 3


@pytest.mark.slow
async def test_sandbox_slow_down_adds_to_the_interval(
    isolated_sandbox: Sandbox, fast_slow_down: DevicePacing
) -> None:
    sb = isolated_sandbox

    def rewind_once(event: Event) -> None:
        # make the first poll look recent to the server, so the next one is "too fast"
        if is_pending_poll(event) and not rewound:
            rewound.append(True)
            sb.clock.advance(-0.6)

    rewound: list[bool] = []
    approver = Approver(sandbox_approver(sb), on_event=rewind_once)
    approver.after_pending = 10**6  # approve only once slow_down was seen (below)

    def approve_after_slow_down(event: Event) -> None:
        if isinstance(event, HttpExchange) and "slow_down" in event.response_body:
            approver.after_pending = 0
            approver.start()

    bus = Bus()
    bus.subscribe(approve_after_slow_down)
    run = await run_device_flow(sandbox_profile(sb), approver, bus=bus)
    assert run.error is None, run.error
    polls = [e for e in run.events if label(e) == "poll"]
    bodies = [e.response_body for e in polls]  # type: ignore[attr-defined]
    assert "authorization_pending" in bodies[0] and "slow_down" in bodies[1], bodies
    assert polls[-1].status == 200  # type: ignore[attr-defined]
    gap_after_slow_down = polls[2].at - polls[1].at
    assert gap_after_slow_down >= 1.0 + fast_slow_down.slow_down_step_s - 0.05
    notices = [e for e in run.events if isinstance(e, Notice)]
    assert any("poll slower" in n.message for n in notices)


@pytest.mark.slow
async def test_sandbox_wait_timeout_gives_up(sandbox: Sandbox) -> None:
    run = await run_device_flow(sandbox_profile(sandbox), Approver(None), wait_timeout=1.5)
    assert isinstance(run.error, DeviceFlowError)
    assert "no approval within 1.5 s" in run.error.message
    assert run.error.remedy == remedy(RemedyKind.WAIT_LONGER, seconds=1.5)
    assert "--" not in run.error.hint
    assert "--wait" in hint_with_remedy(run.error.hint, run.error.remedy)
    assert 1.4 <= run.seconds < 2.5


async def test_sandbox_cancel_leaves_nothing_running(sandbox: Sandbox) -> None:
    bus = Bus()
    approver = Approver(None)
    bus.subscribe(approver)
    with bus.collect() as events:
        task = asyncio.create_task(
            run_flow(sandbox_profile(sandbox), secrets=SecretStore(env={}), bus=bus, flow="device")
        )
        await asyncio.wait_for(approver.shown.wait(), 5)
        began = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        stopped_in = time.monotonic() - began
    assert stopped_in < 0.2  # not after the next poll
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert sequence(events) == "started discovery device-authorization enter-code failed finished"


# --- faults a real server does not show (httpx.MockTransport) ------------------------------------


def scripted_provider(
    answers: list[dict[str, Any]], discovery: dict[str, Any] | None = None, **device_answer: Any
) -> tuple[httpx.MockTransport, list[float]]:
    """Discovery, a device authorization, then the token endpoint's `answers` in order."""
    base = "http://127.0.0.1:9/id"
    doc = discovery or {
        "issuer": base,
        "token_endpoint": f"{base}/connect/token",
        "device_authorization_endpoint": f"{base}/connect/deviceauthorization",
        "jwks_uri": f"{base}/jwks",
    }
    polled_at: list[float] = []

    def answer(status: int, body: dict[str, Any]) -> httpx.Response:
        # a stream, not json=: the recording transport reads the raw stream, which json= consumed
        content = json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("openid-configuration"):
            return answer(200, doc)
        if path.endswith("/deviceauthorization"):
            return answer(
                200,
                {
                    "device_code": "dc-secret-0123456789",
                    "user_code": "BCDF-GHJK",
                    "verification_uri": f"{base}/device",
                    "expires_in": 60,
                    "interval": 0.05,
                    **device_answer,
                },
            )
        polled_at.append(time.monotonic())
        scripted = answers[min(len(polled_at), len(answers)) - 1]
        return answer(200 if "access_token" in scripted else 400, scripted)

    return httpx.MockTransport(handle), polled_at


def scripted_profile() -> Profile:
    return new_profile(
        "scripted", "http://127.0.0.1:9", "spa", client_id="com.test/device", auth_method="none"
    )


async def run_scripted(
    transport: httpx.MockTransport, wait_timeout: float = 5.0
) -> tuple[Run, SecretStore]:
    bus = Bus()
    secrets = SecretStore(env={})
    client = build_client(
        HttpOptions(), bus=bus, run_id="t", redactor=secrets.redactor, transport=transport
    )
    async with client:
        run = await run_device_flow(
            scripted_profile(),
            Approver(None),
            secrets=secrets,
            wait_timeout=wait_timeout,
            client=client,
            bus=bus,
        )
    return run, secrets


@pytest.mark.slow
async def test_slow_down_is_added_for_every_later_poll(fast_slow_down: DevicePacing) -> None:
    step = fast_slow_down.slow_down_step_s
    transport, polled_at = scripted_provider(
        [
            {"error": "authorization_pending"},
            {"error": "slow_down"},
            {"error": "authorization_pending"},
            {"error": "slow_down"},
            {"error": "authorization_pending"},
            {"access_token": "at-0123456789", "token_type": "Bearer", "expires_in": 3600},
        ]
    )
    run, _ = await run_scripted(transport)
    assert run.error is None, run.error
    gaps = [b - a for a, b in itertools.pairwise(polled_at)]
    # poll 2 and poll 4 answer slow_down: each adds one step to every later interval
    assert gaps[0] < step
    assert gaps[1] >= 0.05 + step - 0.02 and gaps[2] >= 0.05 + step - 0.02
    assert gaps[3] >= 0.05 + 2 * step - 0.02 and gaps[4] >= 0.05 + 2 * step - 0.02
    assert gaps[3] < 0.05 + 3 * step


def test_default_pacing_follows_rfc_8628() -> None:
    pacing = device.PACING
    assert (pacing.default_interval_s, pacing.slow_down_step_s) == (5.0, 5.0)
    grant = device.read_device_authorization(
        {"device_code": "d", "user_code": "u", "verification_uri": "https://x/device"},
        device.PACING,
    )
    assert grant.interval == 5.0 and grant.expires_in is None and grant.url == "https://x/device"


async def test_code_expired_locally_when_the_server_keeps_saying_pending() -> None:
    transport, polled_at = scripted_provider([{"error": "authorization_pending"}], expires_in=0.2)
    began = time.time()
    run, _ = await run_scripted(transport)
    assert isinstance(run.error, DeviceFlowError)
    assert "expired" in run.error.message
    # the screen's countdown ends with the code, not with the longer wait of the run
    action = next(e for e in run.events if isinstance(e, UserActionRequired))
    assert action.deadline is not None and began + 0.2 <= action.deadline < began + 1.2
    assert len(polled_at) <= 6


async def test_no_device_endpoint_suggests_paste() -> None:
    base = "http://127.0.0.1:9/id"
    transport, _ = scripted_provider(
        [], discovery={"issuer": base, "token_endpoint": f"{base}/connect/token"}
    )
    run, _ = await run_scripted(transport)
    assert isinstance(run.error, DeviceFlowError)
    assert "no device authorization endpoint" in run.error.message
    assert run.error.remedy == remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste",))
    assert "--paste" in hint_with_remedy(run.error.hint, run.error.remedy)
    assert sequence(run.events) == "started discovery failed finished"


async def test_device_code_never_shown_in_errors_or_events() -> None:
    transport, _ = scripted_provider(
        [
            {
                "error": "invalid_grant",
                "error_description": "device_code dc-secret-0123456789 unknown",
            }
        ]
    )
    run, _ = await run_scripted(transport)
    assert isinstance(run.error, TokenEndpointError)
    assert "dc-secret-0123456789" not in str(run.error)
    assert_nothing_unmasked(run.events, "dc-secret-0123456789")


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.name == "approve-device"]
    assert left == []

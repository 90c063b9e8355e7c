"""A request to the loopback listener that does not carry the sign-in's state (any web page can
make the browser send one, with an `<img>`) is answered 400 and ignored: the real sign-in still
finishes, and a run that only ever sees such requests ends at its deadline saying so."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.sandbox_fixtures import sign_in
from tokenlab.commands.demo_cmd import to_profile
from tokenlab.core.errors import RemedyKind
from tokenlab.core.events import Bus, HttpExchange, Notice, UserActionRequired
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.loopback import LoopbackError, LoopbackListener
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox, demo_catalog


async def test_the_listener_ignores_wrong_and_missing_state_then_takes_the_right_one() -> None:
    async with LoopbackListener(state="the-real-state") as listener, httpx.AsyncClient() as page:
        waiting = asyncio.create_task(listener.wait(5))
        wrong = await page.get(listener.redirect_uri, params={"code": "evil", "state": "guess"})
        missing = await page.get(listener.redirect_uri, params={"error": "access_denied"})
        posted = await page.post(listener.redirect_uri, data={"code": "evil"})
        assert [r.status_code for r in (wrong, missing, posted)] == [400, 400, 400]
        assert "ignored" in wrong.text and "code" not in wrong.headers.get("location", "")
        assert not waiting.done()
        real = await page.get(
            listener.redirect_uri, params={"code": "c", "state": "the-real-state"}
        )
        callback = await waiting
    assert real.status_code == 200 and callback.params == {"code": "c", "state": "the-real-state"}
    assert (listener.ignored_wrong_state, listener.ignored_missing_state) == (1, 2)
    assert listener.ignored() == (
        "1 request with a wrong state and 2 requests without a state were ignored"
    )


async def test_only_wrong_state_ends_at_the_deadline_saying_it_was_ignored() -> None:
    async with LoopbackListener(state="s") as listener, httpx.AsyncClient() as page:
        waiting = asyncio.create_task(listener.wait(0.5))
        await page.get(listener.redirect_uri, params={"code": "evil", "state": "x"})
        with pytest.raises(LoopbackError) as caught:
            await waiting
    error = caught.value
    assert "within 0.5 s; 1 request with a wrong state was ignored" in error.message
    assert "not from this sign-in" in error.hint
    assert error.remedy is not None
    assert error.remedy.kind is RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY


def _forge(url: str, *, without_state: bool) -> list[int]:
    """What another web page can make the browser send to the listener."""
    with httpx.Client() as page:
        sent = [page.get(url, params={"code": "forged", "state": "not-this-sign-in"})]
        if without_state:
            sent.append(page.get(url, params={"error": "access_denied"}))
    return [r.status_code for r in sent]


def _profile(sandbox: Sandbox, name: str = "demo-spa") -> object:
    return to_profile(next(d for d in demo_catalog(sandbox.url) if d.name == name))


async def _run_with_forgeries(sandbox: Sandbox, *, sign_in_too: bool, wait: float) -> tuple:
    bus = Bus()
    events: list[object] = []
    bus.subscribe(events.append)
    forged: list[int] = []
    tasks: list[asyncio.Task[None]] = []

    async def act(action: UserActionRequired) -> None:
        forged.extend(
            await asyncio.to_thread(_forge, action.redirect_uri, without_state=sign_in_too)
        )
        if not sign_in_too:
            return
        with httpx.Client() as browser:
            answer = await asyncio.to_thread(sign_in, browser, action.url)
        async with httpx.AsyncClient() as browser_async:
            await browser_async.get(answer.target, params=answer.params)

    def on_action(action: UserActionRequired) -> None:
        if action.action == "open-url":
            tasks.append(asyncio.get_running_loop().create_task(act(action)))

    bus.subscribe(on_action, UserActionRequired)
    options = FlowOptions(open_browser=False, wait_timeout=wait)
    profile = _profile(sandbox)
    try:
        result = await run_flow(
            profile,  # type: ignore[arg-type]
            secrets=SecretStore(env={}),
            bus=bus,
            options=options,
        )
        error = None
    except LoopbackError as exc:
        result, error = None, exc
    await asyncio.gather(*tasks)
    return result, error, forged, events


async def test_forged_answers_first_then_the_real_sign_in_completes(sandbox: Sandbox) -> None:
    result, error, forged, events = await _run_with_forgeries(sandbox, sign_in_too=True, wait=15)
    assert error is None and result is not None and result.api_token.access_token
    assert forged == [400, 400]
    warnings = [e.message for e in events if isinstance(e, Notice) and e.level == "warning"]
    assert any(
        "1 request with a wrong state and 1 request without a state were ignored" in w
        for w in warnings
    ), warnings


@pytest.mark.slow
async def test_a_forged_answer_alone_ends_the_run_at_its_deadline(sandbox: Sandbox) -> None:
    result, error, forged, events = await _run_with_forgeries(sandbox, sign_in_too=False, wait=1)
    assert result is None and forged == [400]
    assert isinstance(error, LoopbackError)
    assert error.message.endswith("within 1 s; 1 request with a wrong state was ignored")
    token_posts = [e for e in events if isinstance(e, HttpExchange) and e.method == "POST"]
    assert token_posts == []  # the forged code was never exchanged

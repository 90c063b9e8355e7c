"""The Flow pane, driven with the real events of sandbox runs: what it shows, what it posts."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest
from textual import events
from textual.widgets import DataTable, Input, Select

from tests.sandbox_fixtures import sign_in
from tests.ui.widgets.flow_harness import PaneApp, Posted, feed, start_run, stop
from tokenlab.core.events import (
    FlowStarted,
    HttpExchange,
    Notice,
    UserActionRequired,
)
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.profiles import new_profile
from tokenlab.sandbox import DEMO_SECRETS, Sandbox
from tokenlab.ui.screens.exchange_detail import ExchangeDetailScreen
from tokenlab.ui.widgets.flow_pane import FlowPane
from tokenlab.ui.widgets.qr_code import QrCode, half_block_rows
from tokenlab.ui.widgets.user_action import UserActionPanel


def timeline(pane: FlowPane) -> list[list[str]]:
    table = pane.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
async def test_a_token_run_fills_the_timeline_and_enter_shows_the_masked_exchange(
    sandbox: Sandbox,
) -> None:
    run = await start_run(sandbox, "demo-service-app")
    await run.task
    pane = FlowPane()
    posted = Posted()
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        pane.show_profile(run.profile)
        feed(pane, list(run.events))
        await pilot.pause()
        rows = timeline(pane)
        assert [r[1:3] for r in rows] == [["GET", "200"], ["POST", "200"]]
        assert rows[1][4] == "/id/connect/token"
        shown = words("\n".join(pane.entries()))
        assert "token issued: Bearer eyJh…" in shown and "scope read update" in shown
        assert "finished: a token was issued" in shown

        pane.query_one(DataTable).focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        detail = pilot.app.screen
        assert isinstance(detail, ExchangeDetailScreen)
        text = detail.text()
        assert f"POST {sandbox.url}/id/connect/token" in text
        assert "authorization: Basic " in text and "grant_type=client_credentials" in text
        assert '"token_type": "Bearer"' in text  # the JSON answer, indented
        assert DEMO_SECRETS[run.profile.client_id] not in text
        token = run.task.result().api_token.access_token
        assert token not in text  # recorded masked by the core, shown as recorded
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ExchangeDetailScreen)


@pytest.mark.slow
async def test_the_flow_is_preset_from_the_profile_and_run_posts_the_chosen_one(
    sandbox: Sandbox,
) -> None:
    pane = FlowPane()
    posted = Posted()
    web = new_profile("w", sandbox.url, "web-app", redirect_uri="https://app.example/cb")
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        pane.show_profile(web)
        assert pane.query_one(Select).value == "auth-code:paste"  # not loopback: by paste
        service = new_profile("s", sandbox.url, "service-app")
        pane.show_profile(service)
        pane.query_one(DataTable).focus()
        await pilot.press("r")
        await pilot.press("f", "r")  # next flow: the code flow by loopback
        await pilot.press("f", "f", "r")  # then by device
        await pilot.pause()
        asked = [(m.flow, m.finish) for m in posted.of(FlowPane.RunRequested)]
        assert asked == [
            ("client-credentials", None),
            ("auth-code", "loopback"),
            ("device", "device"),
        ]
        # the Select changes it too, by keyboard
        pane.query_one(Select).focus()
        await pilot.press("enter", "end", "enter", "r")
        await pilot.pause()
        assert (posted.of(FlowPane.RunRequested)[-1].flow) == "sign-out"


@pytest.mark.slow
async def test_a_device_run_shows_the_code_large_a_qr_code_and_copies_the_whole_url(
    sandbox: Sandbox,
) -> None:
    run = await start_run(
        sandbox,
        "demo-spa",
        FlowOptions(finish="device", open_browser=False),
        until=UserActionRequired,
    )
    events = list(run.events)
    await stop(run)
    (action,) = [e for e in events if isinstance(e, UserActionRequired)]
    pane = FlowPane()
    posted = Posted()
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        pane.show_profile(run.profile)
        feed(pane, events)
        await pilot.pause()
        panel = pane.query_one(UserActionPanel)
        text = panel.text()
        assert " ".join(action.user_code) in text  # spaced out, in a large box
        assert action.verification_uri_complete in text
        qr = pane.query_one(QrCode)
        assert qr.drawn  # 80x24 has room for it
        assert qr.rows == half_block_rows(action.verification_uri_complete)
        assert "waits 1:" in panel.text() or "waits 2:" in panel.text()
        await pilot.press("y")
        await pilot.press("escape")
        await pilot.pause()
        (copy,) = posted.of(FlowPane.CopyRequested)
        assert copy.text == action.verification_uri_complete and copy.what == "sign-in URL"
        assert len(posted.of(FlowPane.CancelRequested)) == 1
        # the cancelled run's own events then arrive: the wait is over, the panel goes
        feed(pane, [e for e in run.events if e not in events])
        await pilot.pause()
        assert not panel.display
        assert "cancelled" in pane.entries()


async def test_a_small_terminal_gets_a_note_instead_of_a_cut_qr_code(sandbox: Sandbox) -> None:
    run = await start_run(
        sandbox,
        "demo-spa",
        FlowOptions(finish="device", open_browser=False),
        until=UserActionRequired,
    )
    events = list(run.events)
    await stop(run)
    pane = FlowPane()
    async with PaneApp(pane).run_test(size=(60, 16)) as pilot:
        feed(pane, events)
        await pilot.pause()
        qr = pane.query_one(QrCode)
        assert not qr.drawn
        assert "needs 33x" in str(qr.content)


@pytest.mark.slow
async def test_the_web_app_is_finished_by_pasting_the_redirect_url(sandbox: Sandbox) -> None:
    """The whole path of the pane: copy the sign-in URL, sign in by script, paste the answer."""
    pasted: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def paste(prompt: str) -> str:
        return await pasted

    options = FlowOptions(finish="paste", open_browser=False, paste=paste)
    run = await start_run(sandbox, "demo-web-app", options, until=UserActionRequired)
    pane = FlowPane()
    posted = Posted()
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        pane.show_profile(run.profile)
        fed = list(run.events)
        feed(pane, fed)
        await pilot.pause()
        assert pane.query_one(UserActionPanel).expects_paste
        await pilot.press("y", "p")
        await pilot.pause()
        (copy,) = posted.of(FlowPane.CopyRequested)
        with httpx.Client() as browser:
            landed = sign_in(browser, copy.text)
        redirect = f"{landed.target}?code={landed.params['code']}&state={landed.params['state']}"
        box = pane.query_one(Input)
        assert box.has_focus  # p put the cursor in the paste box
        box.post_message(events.Paste(redirect))  # what the terminal sends for a paste
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        (submitted,) = posted.of(FlowPane.PasteSubmitted)
        assert submitted.text == redirect
        pasted.set_result(submitted.text)
        result = await run.task
        feed(pane, run.events[len(fed) :])
        await pilot.pause()
        assert result.api_token.access_token
        assert landed.params["code"] not in "\n".join(pane.entries())
        assert "finished: a token was issued" in pane.entries()[-1]
        assert [r[1] for r in timeline(pane)].count("POST") == 1  # the token request


async def test_a_refused_run_explains_itself_in_console_words(sandbox: Sandbox) -> None:
    run = await start_run(sandbox, "demo-disabled")
    with pytest.raises(Exception, match="invalid_client"):
        await run.task
    pane = FlowPane()
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        pane.show_profile(run.profile)
        feed(pane, list(run.events))
        await pilot.pause()
        failure = next(e for e in pane.entries() if e.startswith("failed"))
        assert failure.startswith("failed [invalid_client]: ")
        assert "why: check that the Trusted Application" in words(failure)
        assert "--" not in failure  # never a CLI flag
        assert "finished: no token" in pane.entries()[-1]


@pytest.mark.slow
async def test_a_loopback_run_over_ssh_shows_the_port_forward_and_the_notices(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    options = FlowOptions(finish="loopback", open_browser=False)
    run = await start_run(sandbox, "demo-web-app", options, until=Notice)
    events = list(run.events)
    await stop(run)
    (action,) = [e for e in events if isinstance(e, UserActionRequired)]
    assert action.ssh_command.startswith("ssh -L ")
    pane = FlowPane()
    posted = Posted()
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        feed(pane, events)
        await pilot.pause()
        panel = pane.query_one(UserActionPanel)
        assert action.ssh_command in panel.text()
        assert action.url in panel.text()
        shown = panel.query_one("#ua-url")  # the whole URL folds over lines: none is cut
        assert shown.size.height >= 1 + math.ceil(len(action.url) / shown.size.width)
        assert not panel.expects_paste
        note = next(e for e in pane.entries() if e.startswith("note (flow):"))
        device = "run it by device code in the Flow pane (2): f until the flow is 'code, by device'"
        assert f"next: {device}, then r" in words(note)
        await pilot.press("s", "y")
        await pilot.pause()
        copies = [(m.what, m.text) for m in posted.of(FlowPane.CopyRequested)]
        assert copies == [("ssh -L command", action.ssh_command), ("sign-in URL", action.url)]
        await pilot.press("p")  # no paste box in a loopback run: the key does nothing
        assert not posted.of(FlowPane.PasteSubmitted)


async def test_server_words_are_shown_as_plain_text() -> None:
    pane = FlowPane()
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        pane.add_notice(
            Notice(run_id="r", level="warning", message="[b]bold?[/b] \x1b[31mred", topic="flow")
        )
        await pilot.pause()
        (entry,) = pane.entries()
        # no markup, no escape (the one inert rule)
        assert entry == "warning (flow): [b]bold?[/b] \\x1b[31mred"


def fixed_events() -> list[object]:
    base = "https://demo.example"
    started = FlowStarted(run_id="r1", at=0.0, flow="device", profile="demo-spa")
    exchanges = [
        HttpExchange(
            run_id="r1",
            method=method,
            url=f"{base}{path}",
            request_headers=(("accept", "application/json"),),
            request_body="",
            status=200,
            response_headers=(("content-type", "application/json"),),
            response_body="{}",
            elapsed_ms=ms,
        )
        for method, path, ms in (
            ("GET", "/id/.well-known/openid-configuration", 21.0),
            ("POST", "/id/connect/deviceauthorization", 4.0),
        )
    ]
    action = UserActionRequired(
        run_id="r1",
        action="enter-code",
        message=f"open {base}/id/device on any device and enter the code WDJB-MJHT",
        url=f"{base}/id/device?userCode=WDJB-MJHT",
        user_code="WDJB-MJHT",
        verification_uri=f"{base}/id/device",
        verification_uri_complete=f"{base}/id/device?userCode=WDJB-MJHT",
        deadline=1_000_118.0,
    )
    notice = Notice(
        run_id="r1", level="warning", message="plain http to a test server", topic="flow"
    )
    return [started, *exchanges, action, notice]


def test_snapshot_of_a_device_run_waiting_at_80x24(snap_compare: object) -> None:
    pane = FlowPane(now=lambda: 1_000_000.0)

    async def fill(pilot: object) -> None:
        pane.show_profile(new_profile("demo-spa", "https://demo.example", "spa"))
        feed(pane, fixed_events())  # type: ignore[arg-type]

    assert snap_compare(PaneApp(pane), terminal_size=(80, 24), run_before=fill)  # type: ignore[operator]

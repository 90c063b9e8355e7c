"""The user-action panel alone: each kind of wait, the paste box, the countdown."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.widgets import Input

from tests.ui.widgets.flow_harness import PaneApp, Posted, start_run, stop
from tokenlab.core.events import UserActionRequired
from tokenlab.core.flow_options import FlowOptions
from tokenlab.sandbox import Sandbox
from tokenlab.ui.widgets.qr_code import QrCode
from tokenlab.ui.widgets.user_action import UserActionPanel, left_text, spaced_code


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def paste_action(sandbox: Sandbox) -> UserActionRequired:
    async def never(prompt: str) -> str:
        await asyncio.Event().wait()  # the panel test pastes nothing into the run
        return ""

    options = FlowOptions(finish="paste", open_browser=False, paste=never)
    run = await start_run(sandbox, "demo-web-app", options, until=UserActionRequired)
    (action,) = run.of(UserActionRequired)
    await stop(run)
    return action


@pytest.mark.slow
async def test_the_paste_box_posts_what_was_pasted_and_forgets_it(sandbox: Sandbox) -> None:
    action = await paste_action(sandbox)
    assert action.expects_paste and action.deadline is not None
    clock = Clock(action.deadline - 90)
    panel = UserActionPanel(now=clock)
    posted = Posted()
    async with PaneApp(panel).run_test(size=(80, 24), message_hook=posted) as pilot:
        panel.show(action)
        await pilot.pause()
        assert panel.display and panel.expects_paste
        assert action.url in panel.text() and "waits 1:30 more" in panel.text()
        assert not panel.query_one(QrCode).display  # a QR code is for the device code only
        box = panel.query_one(Input)
        assert panel.focus_paste() and box.has_focus
        await pilot.press("enter")  # nothing typed: nothing sent
        box.post_message(events.Paste("  http://127.0.0.1/callback?code=abc&state=xyz \n"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        sent = [m.text for m in posted.of(UserActionPanel.PasteSubmitted)]
        assert sent == ["http://127.0.0.1/callback?code=abc&state=xyz"]
        assert box.value == ""  # the code is not kept on screen
        clock.now = action.deadline + 1
        await pilot.pause(1.1)  # the countdown ticks every second
        assert "the wait is over" in panel.text()
        panel.clear()
        await pilot.pause()
        assert not panel.display and panel.copy_url == ""


async def test_a_device_code_is_spaced_out_and_its_qr_code_is_the_prefilled_page(
    sandbox: Sandbox,
) -> None:
    run = await start_run(
        sandbox,
        "demo-spa",
        FlowOptions(finish="device", open_browser=False),
        until=UserActionRequired,
    )
    (action,) = run.of(UserActionRequired)
    await stop(run)
    panel = UserActionPanel()
    async with PaneApp(panel).run_test(size=(100, 40)) as pilot:
        panel.show(action)
        await pilot.pause()
        assert spaced_code(action.user_code) in panel.text()
        assert f"Enter it at:\n{action.verification_uri}" in panel.text()
        assert panel.copy_url == action.verification_uri_complete
        assert panel.query_one(QrCode).drawn
        assert not panel.expects_paste and not panel.focus_paste()


def test_left_text_counts_minutes_and_seconds() -> None:
    assert left_text(118.4) == "waits 1:58 more"
    assert left_text(0).startswith("the wait is over")


def test_snapshot_of_a_paste_wait_at_80x24(snap_compare: object) -> None:
    panel = UserActionPanel(now=lambda: 2_000_000.0)
    action = UserActionRequired(
        run_id="r1",
        action="paste-redirect",
        message=(
            "Open this address in a browser on any machine and sign in, then paste the address "
            "the browser ends on."
        ),
        url=(
            "https://acme.my.example/id/connect/authorize?client_id=acme%2Fweb&redirect_uri="
            "https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid+read&state=STATE"
            "&code_challenge=CHALLENGE&code_challenge_method=S256"
        ),
        redirect_uri="https://app.example/cb",
        expects_paste=True,
        deadline=2_000_245.0,
    )

    async def fill(pilot: object) -> None:
        panel.show(action)

    assert snap_compare(PaneApp(panel), terminal_size=(80, 24), run_before=fill)  # type: ignore[operator]


async def test_the_message_keeps_its_own_lines_and_shows_a_servers_breaks_inert() -> None:
    panel = UserActionPanel()
    async with PaneApp(panel).run_test(size=(80, 24)) as pilot:
        panel.show(
            UserActionRequired(
                run_id="r",
                action="open-url",
                message="Sign in at this address.\nNo browser can open here.",
                url="http://127.0.0.1:9/authorize?x=\x1b[2J",
            )
        )
        await pilot.pause()
        shown = panel.text()
        assert "\\n" not in shown  # tokenlab's line break is a line break, not the letters \n
        assert any(line.startswith("No browser can open here.") for line in shown.splitlines())
        assert "\x1b" not in shown

"""The console runs a profile's flow and the doctor without blocking, and shows what happened."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.widgets import Log

from tests.ui.console_pilot import activity_text, press_and_wait, select, toasts
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.events import UserActionRequired
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import TokenlabApp
from tokenlab.ui.messages import UserActionNeeded


@pytest.mark.slow
async def test_doctor_and_token_from_the_console(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}), sandbox_url=sandbox.url)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "d")
        text = activity_text(app)
        assert "[PASS] The first request returns HTTP 200" in text
        assert "OK: the API answered HTTP 200" in text
        await press_and_wait(pilot, "t")
        text = activity_text(app)
        assert "token ready: eyJh…" in text
        await pilot.press("y")
        await pilot.pause()
        assert len(copied) == 1 and copied[0].count(".") == 2  # the whole JWT, to the clipboard
        assert copied[0] not in text  # shown masked only
        select(app, "demo-disabled")
        await press_and_wait(pilot, "t")
        assert any(t.severity == "error" and "invalid_client" in t.text for t in toasts(app))
        assert "hint:" in activity_text(app)


async def test_device_code_run_shows_the_code_and_whole_url_and_can_be_cancelled(
    sandbox: Sandbox,
) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    asked: list[UserActionRequired] = []

    def keep(message: Message) -> None:
        if isinstance(message, UserActionNeeded):
            asked.append(message.event)

    async with app.run_test(size=(80, 24), message_hook=keep) as pilot:  # over SSH: 80x24
        select(app, "demo-spa")
        await pilot.press("v")
        for _ in range(50):
            await pilot.pause(0.05)
            if asked:
                break
        await pilot.pause()
        lines = app.query_one("#activity", Log).lines
        (action,) = asked
        assert f"code: {action.user_code}" in "\n".join(lines)
        width = app.activity.scrollable_content_region.width
        asking = lines[next(i for i, line in enumerate(lines) if line.startswith(">>>")) :]
        assert all(len(line) <= width for line in asking)  # no line of it is cut off
        assert action.url in "".join(line.strip() for line in lines)  # wrapped, never cut
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cancelled" in activity_text(app)
        assert not [w for w in app.workers if w.is_running]


async def test_a_reference_token_is_never_copied(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        select(app, "demo-automation")
        await press_and_wait(pilot, "t")
        await pilot.press("y")
        await pilot.pause()
        assert copied == []
        text = activity_text(app)
        assert "reference token ready: enrt…" in text and "enrt_sandbox_demo_valid" not in text

"""The console runs a profile's flow and the doctor without blocking, and shows what happened."""

from __future__ import annotations

from textual.widgets import DataTable, Log

from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import TokenlabApp


def _row(app: TokenlabApp, name: str) -> int:
    return [p.name for p in app._profiles].index(name)


async def test_doctor_and_token_from_the_console(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}), sandbox_url=sandbox.url)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(DataTable)
        table.move_cursor(row=_row(app, "demo-service-app"))
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = "\n".join(app.query_one("#activity", Log).lines)
        assert "[PASS] The first request returns HTTP 200" in text
        assert "OK: the API answered HTTP 200" in text
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = "\n".join(app.query_one("#activity", Log).lines)
        assert "token ready: eyJh…" in text and app._last_token.count(".") == 2
        assert app._last_token not in text  # shown masked only
        table.move_cursor(row=_row(app, "demo-disabled"))
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("invalid_client" in n.message for n in app._notifications)
        assert "hint:" in "\n".join(app.query_one("#activity", Log).lines)


async def test_device_code_run_shows_the_code_and_can_be_cancelled(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(DataTable).move_cursor(row=_row(app, "demo-spa"))
        await pilot.press("v")
        for _ in range(50):
            await pilot.pause(0.05)
            if "code:" in "\n".join(app.query_one("#activity", Log).lines):
                break
        text = "\n".join(app.query_one("#activity", Log).lines)
        assert "code:" in text and "/id/device" in text
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cancelled" in "\n".join(app.query_one("#activity", Log).lines)
        assert not [w for w in app.workers if w.is_running]


async def test_a_reference_token_is_never_copied(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(DataTable).move_cursor(row=_row(app, "demo-automation"))
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert copied == []
        text = "\n".join(app.query_one("#activity", Log).lines)
        assert "reference token ready: enrt…" in text and "enrt_sandbox_demo_valid" not in text

"""Revoke and sign out from the Flow pane: the session's steps of the core, run like a flow."""

from __future__ import annotations

import pytest

from tests.ui.console_pilot import (
    Heard,
    choose_flow,
    header_text,
    pane_text,
    press_and_wait,
    select,
)
from tests.ui.test_console_runs import _app, _copied
from tokenlab.sandbox import Sandbox
from tokenlab.ui.messages import ExchangeRecorded, RunErrored, SessionEnded

pytestmark = pytest.mark.slow  # each test starts the console and runs against the sandbox


async def test_revoke_revokes_the_token_held_and_says_so_once(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "2", "r")
        assert "left" in header_text(app)
        await choose_flow(pilot, "revoke")
        await press_and_wait(pilot, "r")
        (ended,) = heard.of(SessionEnded)
        assert ended.action == "revoke" and ended.revoked == ("access token",)
        revocations = [m.event for m in heard.of(ExchangeRecorded) if "revocation" in m.event.url]
        assert [e.status for e in revocations] == [200]
        assert "revoked: the access token" in pane_text(app, "flow")
        assert "finished: the tokens held were revoked" in pane_text(app, "flow")
        assert "left" not in header_text(app)  # the console holds no token now
        await press_and_wait(pilot, "r")  # nothing left to revoke: said once, with the way out
        (error,) = heard.of(RunErrored)
        assert error.error.message == "no token to revoke"
        flow = pane_text(app, "flow")
        assert flow.count("failed: no token to revoke") == 1
        assert "next: sign in first: run the flow of profile demo-service-app" in flow


async def test_sign_out_gives_the_end_session_address_to_copy(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    copied = _copied(app)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "2", "r")
        await choose_flow(pilot, "sign out")
        await press_and_wait(pilot, "r")
        (ended,) = heard.of(SessionEnded)
        assert ended.url == f"{sandbox.url}/id/connect/endsession"  # no id token in it
        assert "Sign out in the browser" in pane_text(app, "flow")
        assert ended.url in pane_text(app, "flow")
        await press_and_wait(pilot, "y")
        assert copied == [ended.url]

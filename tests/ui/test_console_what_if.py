"""The console's what-if replay (Probe pane), token diff (Token pane) and share bundle (Doctor)."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.console_pilot import Heard, pane_rows, pane_text, press_and_wait, select
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_SECRETS, Sandbox
from tokenlab.ui.app import TokenlabApp, make_app
from tokenlab.ui.messages import WhatIfAnswered
from tokenlab.ui.screens.name_prompt import NamePromptScreen
from tokenlab.ui.widgets.probe_pane import ProbePane

pytestmark = pytest.mark.slow  # each test starts the console and runs against the sandbox


def _app(sandbox: Sandbox) -> TokenlabApp:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return make_app(store, SecretStore(env={}), sandbox_url=sandbox.url)


async def test_w_in_the_probe_pane_replays_and_shows_which_change_flips(sandbox: Sandbox) -> None:
    heard = Heard()
    app = _app(sandbox)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, "demo-api-not-found")
        await press_and_wait(pilot, "4", "w")
        assert heard.of(ProbePane.WhatIfRequested)  # the pane asked; the screen ran it
        (answered,) = heard.of(WhatIfAnswered)
        assert [r.variation for r in answered.result.flips] == ["seed-first-call"]
        text = pane_text(app, "probe")
        assert "What if (one change per replay; first answer 404)" in text
        assert "seed-first-call 404 → 200 FLIPS" in text
        assert "other-header not applicable" in text
        assert "seed-first-call flips it" in text
        # a plain send afterwards hides the replays again
        await press_and_wait(pilot, "s")
        assert "What if" not in pane_text(app, "probe")


async def test_the_token_pane_diff_shows_scope_sets_and_time_deltas(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        select(app, "demo-service-app")
        profile = app.main.active
        assert profile is not None
        app.main.active = replace(profile, scopes=("read",))  # as if edited between two runs
        await press_and_wait(pilot, "2", "r")
        await asyncio.sleep(1.1)  # times have 1 s resolution: the new token's iat/exp must move
        app.main.active = profile
        await press_and_wait(pilot, "r", "3", "equals_sign")
        text = pane_text(app, "token")
        assert "Compared with the previous token" in text
        assert "scopes: added update; removed none" in text
        assert re.search(r"times: iat \+[12] s, nbf \+[12] s, exp \+[12] s", text), text
        rows = {row[0]: row for row in pane_rows(app, "token") if row[1:2] == ("changed",)}
        assert "granted now: update" in rows["scope"][4]
        assert re.fullmatch(r"expected: differs in every new token \(\+[12] s\)", rows["exp"][4])


async def test_s_in_the_doctor_pane_writes_the_share_bundle_under_the_name_given(
    sandbox: Sandbox, isolated_dirs: dict[str, Path]
) -> None:
    app = _app(sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        select(app, "demo-api-forbidden")
        await press_and_wait(pilot, "5", "d", "s")
        prompt = app.screen
        assert isinstance(prompt, NamePromptScreen)
        field = prompt.query_one(Input)
        assert field.value.startswith("tokenlab-share-demo-api-forbidden-")
        field.value = "ticket.txt"
        await press_and_wait(pilot, "enter")
        assert app.screen is prompt  # not .md or .json: refused, still asking
        field.value = "ticket.json"
        await press_and_wait(pilot, "enter")
        written = isolated_dirs["data"] / "reports" / "ticket.json"
        bundle = json.loads(written.read_text())
        assert bundle["share"]["format"] == "tokenlab.doctor.share/1"
        assert bundle["probe"]["status"] == 403
        assert f"Share bundle written to {written}" in pane_text(app, "doctor")
        for secret in DEMO_SECRETS.values():
            assert secret not in written.read_text()

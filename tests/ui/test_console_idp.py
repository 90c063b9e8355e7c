"""One whole path against the real OpenID provider: the console waits in paste mode while the
test signs in by script, then the token is checked against the provider's keys."""

from __future__ import annotations

import asyncio

import pytest
from textual.events import Paste
from textual.widgets import Input

from tests.idp.fixtures import TestProvider
from tests.integration.test_flow_authcode import IdpTarget
from tests.ui.console_pilot import (
    Heard,
    choose_flow,
    pane_text,
    press_and_wait,
    select,
    settle,
    until,
)
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.ui.app import make_app
from tokenlab.ui.messages import RunErrored, TokenChecked, TokenReady, UserActionNeeded

pytestmark = [pytest.mark.idp, pytest.mark.slow]


async def test_the_web_app_on_the_provider_finished_by_paste(idp: TestProvider) -> None:
    target = IdpTarget(idp)
    profile = target.profile("web")
    store, secrets = ProfileStore(), SecretStore(env={})
    store.create(profile)
    secrets.remember(profile.name, SecretKind.CLIENT_SECRET, idp.clients["web"].secret or "")
    heard = Heard()
    app = make_app(store, secrets)
    async with app.run_test(size=(80, 24), message_hook=heard.keep) as pilot:
        select(app, profile.name)
        await settle(pilot)
        await choose_flow(pilot, "code, by paste")
        await pilot.press("r")
        await until(lambda: heard.of(UserActionNeeded), pilot)
        (action,) = [m.event for m in heard.of(UserActionNeeded)]
        assert action.expects_paste and action.url.startswith(idp.issuer)
        # the person signs in in a browser elsewhere and copies the address it lands on
        delivery = await asyncio.to_thread(target.browse, action.url)
        assert delivery is not None
        await pilot.press("p")  # the paste box
        assert isinstance(app.focused, Input)
        app.focused.post_message(Paste(delivery.address()))  # the terminal's paste
        await pilot.pause()
        await press_and_wait(pilot, "enter")
        (ready,) = heard.of(TokenReady)
        assert ready.result.flow == "auth-code" and ready.result.api_token.id_token
        assert delivery.params["code"] not in pane_text(app, "flow")  # the code is not shown
        await press_and_wait(pilot, "3", "v")  # verify with the provider's keys
        (checked,) = heard.of(TokenChecked)
        assert checked.report.verified, checked.report.checks
        assert not heard.of(RunErrored)

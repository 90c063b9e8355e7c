"""A hostile or broken server in the console: the pane says what happened, nothing is drawn
from the server's bytes, and the next run works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_server import CLIENT_ID, CLIENT_SECRET, FaultServer, fault_server
from tests.ui.console_pilot import Heard, pane_text, press_and_wait, select, toasts
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.ui.app import make_app
from tokenlab.ui.messages import RunFailed, TokenReady

pytestmark = pytest.mark.slow

# one broken answer per kind the issue names; each must end in a clear failure in the pane
FAULTS = {
    "token-html-500": "HTML page",
    "token-invalid-json": "without an OAuth error",
    "token-escapes": "invalid_request",
    "token-xssi": "",
    "token-gzip-bomb": "larger than",
    "token-deep-json": "deep",
}


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server(drip_s=0.2) as server:
        yield server


def _store(faults: FaultServer, modes: list[str]) -> tuple[ProfileStore, SecretStore]:
    store, secrets = ProfileStore(), SecretStore(env={})
    for mode in modes:
        profile = new_profile(mode, f"{faults.url}/{mode}", "service-app", client_id=CLIENT_ID)
        store.create(profile)
        secrets.remember(mode, SecretKind.CLIENT_SECRET, CLIENT_SECRET)
    return store, secrets


@pytest.mark.parametrize("mode", list(FAULTS))
async def test_a_broken_token_endpoint_is_shown_in_the_pane_and_the_next_run_works(
    faults: FaultServer, mode: str
) -> None:
    store, secrets = _store(faults, [mode, "ok"])
    heard = Heard()
    app = make_app(store, secrets)
    async with app.run_test(size=(80, 24), notifications=True, message_hook=heard.keep) as pilot:
        select(app, mode)
        await press_and_wait(pilot, "2", "r")
        (failed,) = heard.of(RunFailed)
        shown = pane_text(app, "flow")
        assert "failed" in shown and FAULTS[mode] in shown + failed.event.message
        assert "\x1b" not in shown and not any("\x1b" in t.text for t in toasts(app))
        assert "leaky" not in shown  # a token in a broken answer is never quoted
        select(app, "ok")
        await press_and_wait(pilot, "2", "r")
        (ready,) = heard.of(TokenReady)
        assert ready.result.api_token.access_token.count(".") == 2

"""`tokenlab demo` says the sandbox's public demo sign-in: in the console and on the sign-in page."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox_fixtures import authorize_url
from tests.support.pkce import pkce_pair
from tests.ui.console_pilot import text_of
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import DEMO_USER, Sandbox
from tokenlab.ui.app import make_app

SAID = f"user {DEMO_USER.username} / password {DEMO_USER.password}"


def test_the_sandbox_sign_in_page_shows_the_demo_account(sandbox: Sandbox) -> None:
    profile = next(
        p for p in write_demo_profiles(ProfileStore(), sandbox.url) if p.scenario == "web-app"
    )
    _, challenge = pkce_pair()
    url = authorize_url(
        sandbox.url, profile.client_id, profile.redirect_uri, "openid", challenge, state="s"
    )
    with httpx.Client(follow_redirects=True) as browser:
        page = browser.get(url).text
    assert "id='login'" in page
    assert f"demo sign-in: {SAID}" in page


@pytest.mark.slow
async def test_the_demo_console_shows_the_demo_account_in_its_banner(sandbox: Sandbox) -> None:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    app = make_app(store, SecretStore(env={}), sandbox_url=sandbox.url, demo_sign_in=SAID)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = text_of(app.main.query_one("#demo-banner"))
        assert sandbox.url in banner and SAID in banner

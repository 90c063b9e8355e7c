"""The Authority pane, shown real reports of the sandbox's authorities: the global-authority
mistake explained, an instance authority's facts, an authority that cannot be reached."""

from __future__ import annotations

import pytest

from tests.support.targets import sandbox_profile
from tests.ui.widgets.flow_harness import PaneApp, Posted
from tokenlab.core.authority import AuthorityReport, inspect_authority
from tokenlab.core.discovery import AuthorityError, Discovery, KeyInfo
from tokenlab.core.errors import TokenlabError
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.sandbox import Sandbox
from tokenlab.ui.widgets.authority_pane import AuthorityPane
from tokenlab.ui.widgets.busy_line import BusyLine


async def checked(sandbox: Sandbox, name: str) -> tuple[Profile, AuthorityReport]:
    profile, _ = sandbox_profile(sandbox, name)
    async with build_client(HttpOptions.from_profile(profile)) as client:
        return profile, await inspect_authority(client, profile.authority)


def words(text: str) -> str:
    return " ".join(text.split())


async def test_a_global_authority_is_named_and_explained_with_the_one_to_use(
    sandbox: Sandbox,
) -> None:
    profile, report = await checked(sandbox, "demo-global-authority")
    pane = AuthorityPane()
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        pane.show_profile(profile)
        pane.show_report(report)
        await pilot.pause()
        text = words(pane.text())
        assert "GLOBAL AUTHORITY: not for API tokens" in text
        assert "never issues tokens for an instance's APIs" in text
        assert f"Use the instance identity service instead: {sandbox.url}/id" in text
        # the finding, its reason, and the next step naming the instance authority
        assert "✗ error: " in text and "is a global authority" in text
        assert "why: use the instance identity service" in text
        assert f"next: set the profile's authority to {sandbox.url}/id" in text
        assert "--" not in text  # console words, never a CLI flag
        kind = pane.query_one("#authority-kind")
        assert kind.has_class("-global")  # drawn in the error colour
        assert kind.region.y < pane.size.height  # first thing in view at 80x24


@pytest.mark.slow
async def test_an_instance_authority_shows_endpoints_keys_clock_and_tls(sandbox: Sandbox) -> None:
    profile, report = await checked(sandbox, "demo-service-app")
    pane = AuthorityPane()
    posted = Posted()
    async with PaneApp(pane).run_test(size=(80, 24), message_hook=posted) as pilot:
        pane.show_profile(profile)
        assert "press c to check" in pane.text()
        pane.show_checking()
        await pilot.pause()
        busy = pane.query_one(BusyLine)
        assert busy.display and f"checking {sandbox.url}/id" in str(busy.content)
        pane.show_report(report)
        await pilot.pause()
        assert not busy.display
        text = pane.text()
        assert "instance identity service" in text and "GLOBAL" not in text
        assert "✓ no warnings" in text
        assert f"token: {sandbox.url}/id/connect/token" in text
        assert "client_credentials" in text and "client_secret_basic" in text
        (key,) = report.keys
        assert f"kid {key.kid}  RS256  RSA 2048 bits" in text
        assert "Clock  the server is" in text and "(fine)" in text
        assert "plain http on this machine (loopback: a test server)" in text
        pane.focus()
        await pilot.press("c")
        await pilot.pause()
        assert len(posted.of(AuthorityPane.RecheckRequested)) == 1


async def test_an_authority_that_cannot_be_checked_says_why(sandbox: Sandbox) -> None:
    profile = new_profile(
        "nowhere", sandbox.url, "service-app", authority_url=f"{sandbox.url}/nope/id"
    )
    error: TokenlabError | None = None
    async with build_client(HttpOptions.from_profile(profile)) as client:
        try:
            await inspect_authority(client, profile.authority)
        except AuthorityError as exc:
            error = exc
    assert error is not None
    pane = AuthorityPane()
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        pane.show_profile(profile)
        pane.show_checking()
        pane.show_error(error)
        await pilot.pause()
        text = words(pane.text())
        assert "✗ the authority could not be checked: " in text and "404" in text
        assert "why: check the authority URL" in text


def fixed_report() -> tuple[Profile, AuthorityReport]:
    """The global-authority mistake with fixed addresses, for the snapshot."""
    instance = "https://acme.my.example"
    authority = "https://id.erp.net/id"
    raw = {
        "issuer": authority,
        "token_endpoint": f"{authority}/connect/token",
        "authorization_endpoint": f"{authority}/connect/authorize",
        "jwks_uri": f"{authority}/.well-known/openid-configuration/jwks",
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
    }
    from tokenlab.core.authority import check_discovery, global_authority_finding

    findings = (
        global_authority_finding(authority),
        *check_discovery(authority, Discovery(authority, raw)),
    )
    report = AuthorityReport(
        authority=authority,
        kind="global",
        discovery=Discovery(authority, raw),
        keys=(KeyInfo("8C2F0A", "RSA", "RS256", "sig", 2048),),
        clock_skew_s=-1.5,
        findings=findings,
        found_via="given",
    )
    profile = new_profile("acme-service", instance, "service-app", authority_url=authority)
    return profile, report


def test_snapshot_of_the_global_authority_mistake_at_80x24(snap_compare: object) -> None:
    pane = AuthorityPane()
    profile, report = fixed_report()

    async def fill(pilot: object) -> None:
        pane.show_profile(profile)
        pane.show_report(report)

    assert snap_compare(PaneApp(pane), terminal_size=(80, 24), run_before=fill)  # type: ignore[operator]

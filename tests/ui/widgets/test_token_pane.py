"""The Token pane with real tokens from the sandbox: claims, checks, time left, and its keys."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, TextArea

from tests.support.signin import sandbox_web_tokens
from tests.support.targets import sandbox_profile
from tests.ui.widgets.pane_app import SIZE, PaneApp, fake_jwt, shown, words
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import Bus
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.inspection.compare import diff_tokens
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.token_report import check_token
from tokenlab.core.redact import mask
from tokenlab.core.token_set import FlowResult, TokenSet, token_set_from
from tokenlab.sandbox import Sandbox
from tokenlab.ui.remedies import render_remedy
from tokenlab.ui.widgets.countdown import Countdown
from tokenlab.ui.widgets.token_pane import TokenPane
from tokenlab.ui.widgets.token_view import TokenView


async def service_app_result(sandbox: Sandbox) -> FlowResult:
    profile, secrets = sandbox_profile(sandbox, "demo-service-app")
    return await run_flow(profile, secrets=secrets, bus=Bus())


def pane_text(app: PaneApp) -> str:
    """Everything on screen now, as the terminal would show it."""
    return app.export_screenshot()


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_service_app_token_shows_its_claims_checks_and_time_left(
    sandbox: Sandbox,
) -> None:
    result = await service_app_result(sandbox)
    token = result.api_token.access_token
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        pane.show_report(check_token(decode_token(token)), "access")
        await pilot.pause()

        view = pane.query_one("#token-access", TokenView)
        title = shown(view.query_one(".token-title"))
        assert "Access token · JWT · RS256 · via client-credentials" in title
        assert "offline checks" in title
        claims = view.query_one(".token-claims", DataTable)
        user = [str(cell) for cell in claims.get_row("client_system_user")]
        assert user[1] == "sandbox-service"
        assert "SystemUser that API calls run as" in user[3]
        exp = [str(cell) for cell in claims.get_row("exp")]
        assert "UTC (in 59 min)" in exp[2] or "UTC (in 1 h)" in exp[2]
        checks = shown(view.query_one(".token-checks"))
        assert "✓ format" in checks and "– signature" in checks
        # the whole token, selectable by hand in a read-only area
        assert view.query_one(".token-text", TextArea).text == token
        countdown = pane.query_one(Countdown)
        assert countdown.has_class("-fresh")
        assert shown(countdown).startswith("access token: 59:") or "1:00:00" in shown(countdown)


@pytest.mark.slow
async def test_the_claim_under_the_cursor_is_shown_in_full_below_the_table(
    sandbox: Sandbox,
) -> None:
    result = await service_app_result(sandbox)
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        await pilot.pause()
        view = pane.query_one("#token-access", TokenView)
        claims = view.query_one(".token-claims", DataTable)
        claims.focus()
        rows = [str(claims.get_row_at(i)[0]) for i in range(claims.row_count)]
        for _ in range(rows.index("exp")):
            await pilot.press("down")
        detail = words(shown(view.query_one(".claim-detail")))
        assert detail.startswith("exp = ")
        assert "left; expires: the API refuses the token after this time; lifetime 1 h" in detail


async def test_checks_that_did_not_pass_say_why_and_what_to_do_in_the_console_s_words(
    sandbox: Sandbox,
) -> None:
    result = await service_app_result(sandbox)
    report = check_token(
        decode_token(result.api_token.access_token), required_scopes=("read", "admin")
    )
    scope, signature = report.check("scope"), report.check("signature")
    assert scope is not None and scope.status == "fail"
    assert signature is not None and signature.status == "skip" and signature.remedy is not None
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        pane.show_report(report, "access")
        await pilot.pause()
        checks = words(shown(pane.query_one("#token-access").query_one(".token-checks")))
        assert f"✗ scope read update: {scope.reason} expected: read admin" in checks
        assert "– signature" in checks
        assert "→ " + render_remedy(signature.remedy) in checks  # press d: the doctor ...
        assert "--" not in checks  # no CLI flag


async def test_keys_post_verify_refresh_compare_and_copy(sandbox: Sandbox) -> None:
    result = await service_app_result(sandbox)
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        app.query_one(TokenPane).show_result(result)
        await pilot.pause()
        for key in ("v", "f", "equals_sign", "y"):
            await pilot.press(key)
        await pilot.pause()
        assert [m.which for m in app.of(TokenPane.VerifyRequested)] == ["access"]
        assert len(app.of(TokenPane.RefreshRequested)) == 1
        assert len(app.of(TokenPane.CompareRequested)) == 1
        (copy,) = app.of(TokenPane.CopyRequested)
        assert copy.text == result.api_token.access_token and copy.what == "access token"


@pytest.mark.slow
async def test_verify_asks_for_the_token_whose_view_has_the_focus(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-web-app")
    body = sandbox_web_tokens(sandbox, profile, profile.redirect_uri)
    result = FlowResult("auth-code", profile.name, token_set_from(body, "auth-code"))
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        await pilot.pause()
        pane.query_one("#token-id").query_one(".token-claims", DataTable).focus()
        await pilot.press("v")
        await pilot.pause()
        assert [m.which for m in app.of(TokenPane.VerifyRequested)] == ["id"]


@pytest.mark.slow
async def test_the_id_token_is_shown_and_the_refresh_token_only_masked(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-web-app")
    body = sandbox_web_tokens(sandbox, profile, profile.redirect_uri)
    tokens = token_set_from(body, "auth-code")
    assert tokens.id_token and tokens.refresh_token
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(FlowResult("auth-code", profile.name, tokens))
        await pilot.pause()
        id_view = pane.query_one("#token-id", TokenView)
        assert id_view.display
        assert "ID token · JWT" in shown(id_view.query_one(".token-title"))
        subject = id_view.query_one(".token-claims", DataTable).get_row("sub")
        assert str(subject[1]) == decode_token(tokens.id_token).claims["sub"]
        refresh = shown(pane.query_one("#token-refresh"))
        assert mask(tokens.refresh_token) in refresh
        for row in range(6):  # every part of the pane, scrolled through
            pane.scroll_to(y=row * 20, animate=False)
            await pilot.pause()
            assert tokens.refresh_token not in pane_text(app)


async def test_a_reference_token_is_masked_and_never_copied(sandbox: Sandbox) -> None:
    profile, secrets = sandbox_profile(sandbox, "demo-automation")
    result = await run_flow(profile, secrets=secrets, bus=Bus())
    secret = result.api_token.access_token
    assert result.api_token.token_type == "reference" and secret.startswith("enrt_")
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        pane.show_report(check_token(decode_token(secret)), "access")
        await pilot.pause()
        view = pane.query_one("#token-access", TokenView)
        assert view.query_one(".token-text", TextArea).text == mask(secret)
        assert "masked: a stored secret" in shown(view.query_one(".token-title"))
        await pilot.press("y")
        await pilot.pause()
        assert app.of(TokenPane.CopyRequested) == []
        notice = pane.query_one("#token-notice")
        assert "never copies it" in shown(notice) and notice.has_class("-error")
        assert secret not in pane_text(app)


async def test_p_opens_a_paste_box_and_a_pasted_token_goes_up_then_is_inspected(
    sandbox: Sandbox,
) -> None:
    token = (await service_app_result(sandbox)).api_token.access_token
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        box = pane.query_one("#token-paste", Input)
        assert not box.display
        await pilot.press("p")
        assert box.display and box.has_focus
        box.post_message(events.Paste(f"Bearer {token}\n"))  # as a terminal pastes it
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert [m.text for m in app.of(TokenPane.TokenPasted)] == [f"Bearer {token}"]
        assert not box.display and box.value == ""
        # the screen decodes and checks it, then shows it as the pasted token
        pane.show_report(check_token(decode_token(token)), "pasted")
        await pilot.pause()
        pasted = pane.query_one("#token-pasted", TokenView)
        assert pasted.display and "Pasted token" in shown(pasted.query_one(".token-title"))
        assert pasted.query_one(".token-claims", DataTable).get_row("client_id")
        assert pane.query_one(Countdown).what == "pasted token"  # no run: its own expiry


async def test_escape_closes_the_paste_box_without_posting(sandbox: Sandbox) -> None:
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        await pilot.press("p", "a", "b", "escape")
        await pilot.pause()
        assert not app.query_one("#token-paste", Input).display
        assert app.of(TokenPane.TokenPasted) == []


class CancellingApp(PaneApp):
    """A console whose Escape cancels (as the shell's does)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, pane: TokenPane) -> None:
        super().__init__(pane)
        self.cancelled = 0

    def action_cancel(self) -> None:
        self.cancelled += 1


async def test_escape_belongs_to_the_paste_box_only_while_it_is_open() -> None:
    app = CancellingApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        await pilot.press("p", "escape")
        assert app.cancelled == 0  # it closed the box
        await pilot.press("escape")
        assert app.cancelled == 1  # closed: Escape reaches the console's cancel


async def test_comparison_lists_every_difference_with_expected_churn_dimmed(
    sandbox: Sandbox,
) -> None:
    first = (await service_app_result(sandbox)).api_token.access_token
    second_result = await service_app_result(sandbox)
    compared = diff_tokens(first, second_result.api_token.access_token)
    diffs = compared.diffs
    assert any(d.name == "jti" and d.expected for d in diffs)
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_result(second_result)
        pane.show_comparison(compared)
        await pilot.pause()
        table = pane.query_one("#token-compare", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(r[0]) for r in rows] == [d.name for d in diffs]
        for row, diff in zip(rows, diffs, strict=True):
            assert str(row[1]) == diff.change
            assert (row[0].style == "dim") == diff.expected
        title = shown(pane.query_one("#compare-title"))
        assert f"{len(diffs)} difference(s)" in title


async def test_the_same_claims_say_so() -> None:
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        token = fake_jwt({"alg": "RS256"}, {"iss": "https://i/id", "scope": "read"})
        pane.show_comparison(diff_tokens(token, token))
        await pilot.pause()
        assert "the same header and claims" in shown(pane.query_one("#compare-title"))
        assert not pane.query_one("#token-compare").display


async def test_an_error_shows_its_hint_and_remedy_as_keys() -> None:
    error = TokenlabError(
        "the token endpoint refused the client",
        "the client secret is wrong",
        remedy(RemedyKind.GET_NEW_TOKEN, profile="demo"),
    )
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        pane.show_error(error)
        await pilot.pause()
        notice = pane.query_one("#token-notice")
        text = words(shown(notice))
        assert "✗ the token endpoint refused the client" in text
        assert "the client secret is wrong" in text
        assert render_remedy(error.remedy) in text and notice.has_class("-error")


async def test_without_a_token_copy_and_verify_say_why_and_post_nothing() -> None:
    app = PaneApp(TokenPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(TokenPane)
        assert "No token yet" in shown(pane.query_one("#token-notice"))
        await pilot.press("y")
        await pilot.pause()
        assert "No access token to copy yet" in shown(pane.query_one("#token-notice"))
        await pilot.press("v")
        await pilot.pause()
        assert "Nothing to verify yet" in shown(pane.query_one("#token-notice"))
        assert app.of(TokenPane.CopyRequested) == app.of(TokenPane.VerifyRequested) == []


# -- the countdown, by a clock the test moves ----------------------------------------------

NOW = 1_800_000_000.0
CLAIMS = {
    "iss": "https://acme.example.com/id",
    "aud": ["DomainAPI", "TableAPI"],
    "iat": int(NOW - 60),
    "nbf": int(NOW - 60),
    "exp": int(NOW + 3540),
    "scope": ["read", "update"],
    "client_id": "com.acme.example/service-app",
    "client_db": "acme",
    "client_system_user": "acme-service",
    "jti": "6A1DCE9A2485948F",
}
FIXED_TOKEN = fake_jwt({"alg": "RS256", "kid": "F7F94E1944594AD2", "typ": "at+jwt"}, CLAIMS)


def fixed_result() -> FlowResult:
    tokens = TokenSet(
        FIXED_TOKEN, "Bearer", 3600, ("read", "update"), issued_at=NOW - 60,
        flow="client-credentials",
    )  # fmt: skip
    return FlowResult("client-credentials", "acme-service", tokens)


async def test_the_countdown_turns_yellow_under_five_minutes_and_red_when_expired() -> None:
    clock = Clock(NOW)
    app = PaneApp(TokenPane(now=clock))
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        app.query_one(TokenPane).show_result(fixed_result())
        await pilot.pause()
        countdown = app.query_one(Countdown)
        assert countdown.has_class("-fresh") and "59:00 left" in shown(countdown)
        clock.now = NOW + 3540 - 300  # exactly five minutes left: not yet yellow
        countdown.tick()
        assert countdown.has_class("-fresh") and "5:00 left" in shown(countdown)
        clock.now += 1
        countdown.tick()
        assert countdown.has_class("-soon") and not countdown.has_class("-fresh")
        assert "4:59 left" in shown(countdown)
        clock.now = NOW + 3540 + 12
        countdown.tick()
        assert countdown.has_class("-expired") and not countdown.has_class("-soon")
        assert "EXPIRED 0:12 ago" in shown(countdown)


@pytest.mark.slow
async def test_the_countdown_ticks_by_itself_every_second() -> None:
    clock = Clock(NOW)
    app = PaneApp(TokenPane(now=clock))
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        app.query_one(TokenPane).show_result(fixed_result())
        await pilot.pause()
        clock.now = NOW + 3540 + 1
        await pilot.pause(1.2)
        assert app.query_one(Countdown).has_class("-expired")


def test_snapshot_of_the_token_pane(snap_compare: object) -> None:
    result = fixed_result()

    async def show(pilot: object) -> None:
        pane = app.query_one(TokenPane)
        pane.show_result(result)
        pane.show_report(check_token(decode_token(FIXED_TOKEN), now=NOW), "access")

    app = PaneApp(TokenPane(now=lambda: NOW))
    assert snap_compare(app, terminal_size=SIZE, run_before=show)  # type: ignore[operator]

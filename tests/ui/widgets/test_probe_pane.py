"""The Probe pane with real answers of the sandbox's API: a 200, a 403 explained, a 401 with
its challenge decoded, the history, repeat mode, and the request as edited by keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from rich.syntax import Syntax
from textual.widgets import Input, OptionList, Static, TextArea

from tests.support.targets import sandbox_profile
from tests.ui.widgets.pane_app import SIZE, PaneApp, shown, words
from tokenlab.core.events import Bus
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import ProbeError, ProbeResult, probe, probe_url, repeat_probe
from tokenlab.core.profiles import Profile
from tokenlab.sandbox import Sandbox
from tokenlab.ui.remedies import render_remedy
from tokenlab.ui.widgets.latency_chart import LatencyChart
from tokenlab.ui.widgets.probe_pane import ProbePane


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with build_client(HttpOptions(timeout=5.0)) as c:
        yield c


async def probed(sandbox: Sandbox, client: httpx.AsyncClient, name: str) -> ProbeResult:
    profile, secrets = sandbox_profile(sandbox, name)
    token = (await run_flow(profile, secrets=secrets, bus=Bus())).api_token
    return await probe(client, profile, token)


def result_text(pane: ProbePane, part: str) -> str:
    return words(shown(pane.query_one(f"#probe-{part}")))


async def test_the_profile_presets_the_seed_s_first_call(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-service-app")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        await pilot.pause()
        assert pane.query_one("#probe-method", Input).value == "GET"
        assert pane.query_one("#probe-path", Input).value == "Crm_Sales_Customers"
        assert pane.query_one("#probe-query", Input).value == "$top=1"
        assert pane.query_one("#probe-headers", TextArea).text == "Accept: application/json"
        assert profile.api in shown(pane.query_one("#probe-api"))
        assert probe_url(profile) in shown(pane.query_one("#probe-url"))
        await pilot.press("s")
        await pilot.pause()
        (send,) = app.of(ProbePane.SendRequested)
        assert (send.method, send.path) == ("GET", "Crm_Sales_Customers?$top=1")
        assert send.headers == (("Accept", "application/json"),)


@pytest.mark.slow
async def test_the_request_edited_by_keys_is_what_enter_sends(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-service-app")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        await pilot.pause()
        headers = pane.query_one("#probe-headers", TextArea)
        headers.focus()
        await pilot.press("end", "enter", *"X-Trace: 7")
        pane.query_one("#probe-query", Input).focus()
        await pilot.press("end", *"&$select=Name")
        assert "$top=1&$select=Name" in shown(pane.query_one("#probe-url"))
        await pilot.press("enter")
        await pilot.pause()
        (send,) = app.of(ProbePane.SendRequested)
        assert send.path == "Crm_Sales_Customers?$top=1&$select=Name"
        assert send.headers == (("Accept", "application/json"), ("X-Trace", "7"))


async def test_a_header_line_without_a_colon_is_not_sent(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-service-app")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        pane.query_one("#probe-headers", TextArea).load_text("Accept: application/json\nX-Oops")
        await pilot.press("s")
        await pilot.pause()
        assert app.of(ProbePane.SendRequested) == []
        notice = pane.query_one("#probe-notice")
        assert "header line 2 is not `Name: value`" in shown(notice)
        assert notice.has_class("-error")


async def test_without_a_profile_nothing_is_sent() -> None:
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(None)
        await pilot.press("s", "n")
        await pilot.pause()
        assert app.of(ProbePane.SendRequested) == app.of(ProbePane.RepeatRequested) == []
        assert "no profile selected" in shown(pane.query_one("#probe-notice"))


async def test_a_200_shows_status_timing_headers_and_the_json_body(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    result = await probed(sandbox, client, "demo-service-app")
    assert result.status == 200
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_sending()
        await pilot.pause()
        assert "sending…" in shown(pane.query_one("#probe-busy"))
        pane.show_result(result)
        await pilot.pause()
        assert not pane.query_one("#probe-busy").display
        status = result_text(pane, "status")
        assert status.startswith("200 OK · ") and f"GET {result.url}" in status
        assert f"{result.elapsed_ms:.1f} ms" in status
        assert result_text(pane, "verdict") == f"✓ {result.verdict.summary}"
        assert not pane.query_one("#probe-causes").display
        assert "content-type: application/json" in result_text(pane, "response-headers")
        assert "(json, " in result_text(pane, "body-title")
        body = pane.query_one("#probe-body-text", Static).content
        assert isinstance(body, Syntax) and '"Name": "Acme Tools"' in body.code
        history = pane.query_one("#probe-history", OptionList)
        assert history.option_count == 1
        assert "→ 200" in str(history.get_option_at_index(0).prompt)


async def test_a_403_shows_its_ranked_causes_with_the_fix_and_remedy(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    result = await probed(sandbox, client, "demo-api-forbidden")
    assert result.status == 403 and result.verdict.causes
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_result(result)
        await pilot.pause()
        assert result_text(pane, "status").startswith("403 Forbidden")
        assert result_text(pane, "verdict").startswith("✗ authenticated, but not allowed")
        causes = result_text(pane, "causes")
        first = result.verdict.causes[0]
        assert causes.startswith(f"Most likely causes 1. {first.title}")
        assert f"evidence: {words(first.evidence)}" in causes
        assert f"fix: {words(first.fix)}" in causes
        assert f"→ {words(render_remedy(first.remedy))}" in causes
        assert (
            "has no permission to read" in pane.query_one("#probe-body-text", Static).content.code
        )  # type: ignore[union-attr]


async def test_a_401_shows_the_www_authenticate_challenge_decoded(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    result = await probed(sandbox, client, "demo-api-wrong-audience")
    (challenge,) = result.challenges
    assert result.status == 401 and challenge.error == "invalid_token"
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_result(result)
        await pilot.pause()
        decoded = result_text(pane, "challenges")
        assert decoded.startswith("WWW-Authenticate scheme Bearer error invalid_token")
        assert f"error_description {challenge.error_description}" in decoded
        assert result.verdict.causes[0].title in result_text(pane, "causes")
        assert "(empty)" in str(pane.query_one("#probe-body-text", Static).content)


@pytest.mark.slow
async def test_the_history_goes_back_to_an_earlier_probe(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    ok = await probed(sandbox, client, "demo-service-app")
    forbidden = await probed(sandbox, client, "demo-api-forbidden")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_result(ok)
        pane.show_result(forbidden)
        await pilot.pause()
        assert result_text(pane, "status").startswith("403")
        await pilot.press("h")
        history = pane.query_one("#probe-history", OptionList)
        assert history.has_focus and history.highlighted == 1
        await pilot.press("up", "enter")
        await pilot.pause()
        assert result_text(pane, "status").startswith("200 OK")
        assert "Showing probe 1 of 2" in shown(pane.query_one("#probe-notice"))
        assert history.option_count == 2  # going back adds no entry


async def test_repeat_posts_the_count_and_shows_counts_percentiles_and_a_chart(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    profile, secrets = sandbox_profile(sandbox, "demo-service-app")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        count = pane.query_one("#probe-count", Input)
        count.focus()
        await pilot.press("backspace", "backspace", "5", "enter")
        await pilot.pause()
        (asked,) = app.of(ProbePane.RepeatRequested)
        assert (asked.count, asked.method, asked.path) == (5, "GET", "Crm_Sales_Customers?$top=1")
        token = (await run_flow(profile, secrets=secrets, bus=Bus())).api_token
        repeat = await repeat_probe(client, profile, token, n=asked.count)
        pane.show_repeat(repeat)
        await pilot.pause()
        chart = shown(pane.query_one(LatencyChart))
        assert "5 of 5 sent" in chart and "statuses 200 ×5" in words(chart)
        for name, value in (("p50", repeat.p50_ms), ("p95", repeat.p95_ms), ("max", repeat.max_ms)):
            assert value is not None
            (line,) = [ln for ln in chart.splitlines() if ln.strip().startswith(name)]
            assert line.rstrip().endswith(f"{value:.1f} ms")
        (max_line,) = [ln for ln in chart.splitlines() if ln.strip().startswith("max")]
        assert "█" in max_line  # the longest bar is drawn
        assert result_text(pane, "status").startswith("200 OK")  # the first answer is shown


async def test_a_repeat_count_out_of_range_is_refused_in_the_pane(sandbox: Sandbox) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-service-app")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        pane.query_one("#probe-count", Input).value = "0"
        await pilot.press("n")
        await pilot.pause()
        assert app.of(ProbePane.RepeatRequested) == []
        assert "repeat count must be 1..1000" in shown(pane.query_one("#probe-notice"))


async def test_an_error_stops_the_spinner_and_says_what_to_do() -> None:
    error = ProbeError("'G ET' is not an HTTP method", "e.g. GET, POST, PATCH")
    app = PaneApp(ProbePane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(ProbePane)
        pane.show_sending()
        pane.show_error(error)
        await pilot.pause()
        assert not pane.query_one("#probe-busy").display
        notice = pane.query_one("#probe-notice")
        assert words(shown(notice)) == "✗ 'G ET' is not an HTTP method e.g. GET, POST, PATCH"


# -- the snapshot: a real 403 with the run-to-run details fixed --------------------------------

FIXED_API = "https://acme.example.com"


def fixed(result: ProbeResult) -> ProbeResult:
    url = "https://acme.example.com/api/domain/odata/Crm_Sales_Customers?$top=1"
    headers = tuple((k, v) for k, v in result.headers if k.lower() != "date")
    return replace(result, url=url, final_url=url, headers=headers, elapsed_ms=12.5)


def fixed_profile(profile: Profile) -> Profile:
    return replace(profile, instance=FIXED_API, api_url="", authority_url="")


def test_snapshot_of_the_probe_pane(sandbox: Sandbox, snap_compare: object) -> None:
    import asyncio

    async def get() -> ProbeResult:
        async with build_client(HttpOptions(timeout=5.0)) as c:
            return await probed(sandbox, c, "demo-api-forbidden")

    result = fixed(asyncio.run(get()))
    profile = fixed_profile(sandbox_profile(sandbox, "demo-api-forbidden")[0])

    async def show(pilot: object) -> None:
        pane = app.query_one(ProbePane)
        pane.show_profile(profile)
        pane.show_result(result)
        pane.scroll_to_widget(pane.query_one("#probe-status"), top=True, animate=False)

    app = PaneApp(ProbePane())
    assert snap_compare(app, terminal_size=SIZE, run_before=show)  # type: ignore[operator]

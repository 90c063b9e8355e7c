"""The Doctor pane with a real doctor run against the sandbox: the checklist fills in step by
step, then the ranked causes; its keys post run, export and copy-as-curl."""

from __future__ import annotations

from textual.widgets import Static

from tests.support.targets import sandbox_profile
from tests.ui.widgets.pane_app import SIZE, PaneApp, shown, words
from tokenlab.core.causes import Cause
from tokenlab.core.diagnosis import Diagnosis, RunFacts, Step
from tokenlab.core.doctor import DoctorRun, run_doctor
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import Bus, DoctorStepDone
from tokenlab.core.profiles import new_profile
from tokenlab.sandbox import Sandbox
from tokenlab.ui.remedies import render_remedy
from tokenlab.ui.widgets.doctor_pane import DoctorPane


async def doctor_on(sandbox: Sandbox, name: str) -> tuple[DoctorRun, list[DoctorStepDone]]:
    profile, secrets = sandbox_profile(sandbox, name)
    bus = Bus()
    with bus.collect(DoctorStepDone) as published:
        run = await run_doctor(profile, secrets=secrets, bus=bus)
    return run, [e for e in published if isinstance(e, DoctorStepDone)]


def steps_shown(pane: DoctorPane) -> list[Static]:
    return list(pane.query(".doctor-step").results(Static))


async def test_the_checklist_fills_in_step_by_step_then_shows_the_ranked_causes(
    sandbox: Sandbox,
) -> None:
    profile, _ = sandbox_profile(sandbox, "demo-api-clock-behind")
    run, published = await doctor_on(sandbox, "demo-api-clock-behind")
    assert len(published) == 9 and run.diagnosis.causes
    app = PaneApp(DoctorPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(DoctorPane)
        pane.show_profile(profile)
        pane.start()
        await pilot.pause()
        busy = pane.query_one("#doctor-busy")
        assert "running the checklist (0 of 9 steps)" in shown(busy)
        for done, event in enumerate(published[:3], 1):
            pane.add_step(event)
            await pilot.pause()
            assert len(steps_shown(pane)) == done
        assert "(3 of 9 steps)" in shown(busy)
        first = words(shown(steps_shown(pane)[0]))
        assert first.startswith(f"[1/9] ✓ {published[0].title}")
        for event in published[3:]:
            pane.add_step(event)
        await pilot.pause()
        api = pane.query_one("#step-api-accepts", Static)
        assert api.has_class("-fail")
        text = words(shown(api))
        assert text.startswith("[8/9] ✗ The API accepts it")
        assert published[7].hint in text and render_remedy(published[7].remedy) in text

        pane.show_run(run)
        await pilot.pause()
        assert not busy.display
        assert len(steps_shown(pane)) == 9  # the same steps, not doubled
        summary = words(shown(pane.query_one("#doctor-summary")))
        assert summary.startswith("✗ the API did not answer 200 · 7 pass, 2 fail")
        causes = words(shown(pane.query_one("#doctor-causes")))
        top = run.diagnosis.causes[0]
        assert causes.startswith(f"Most likely causes 1. {top.title}")
        assert f"fix: {top.fix}" in causes and f"→ {render_remedy(top.remedy)}" in causes
        assert "NTP" in causes


async def test_keys_post_run_export_and_copy_curl_once_there_is_a_run(sandbox: Sandbox) -> None:
    run, _ = await doctor_on(sandbox, "demo-api-clock-behind")
    app = PaneApp(DoctorPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(DoctorPane)
        await pilot.press("e", "c")
        await pilot.pause()
        assert app.of(DoctorPane.ExportRequested) == app.of(DoctorPane.CopyCurlRequested) == []
        assert "press d to run the doctor" in shown(pane.query_one("#doctor-notice"))
        await pilot.press("d")
        await pilot.pause()
        assert len(app.of(DoctorPane.RunRequested)) == 1
        pane.start()
        pane.show_run(run)
        await pilot.press("e", "E", "c")
        await pilot.pause()
        assert [m.fmt for m in app.of(DoctorPane.ExportRequested)] == ["markdown", "json"]
        assert len(app.of(DoctorPane.CopyCurlRequested)) == 1
        pane.show_exported("/home/me/tokenlab-doctor.md")
        await pilot.pause()
        exported = shown(pane.query_one("#doctor-exported"))
        assert exported == "Report written to /home/me/tokenlab-doctor.md"


async def test_a_healthy_profile_says_the_first_request_returned_200(sandbox: Sandbox) -> None:
    run, _ = await doctor_on(sandbox, "demo-service-app")
    app = PaneApp(DoctorPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(DoctorPane)
        pane.start()
        pane.show_run(run)
        await pilot.pause()
        summary = words(shown(pane.query_one("#doctor-summary")))
        assert summary.startswith("✓ the first API request returned HTTP 200")
        assert all(s.has_class("-pass") for s in steps_shown(pane))
        assert not pane.query_one("#doctor-causes").display


async def test_an_error_stops_the_run_and_shows_the_remedy() -> None:
    error = TokenlabError(
        "cannot reach the instance",
        "check the network",
        remedy(RemedyKind.RAISE_TIMEOUT, seconds=10),
    )
    app = PaneApp(DoctorPane())
    async with app.run_test(size=SIZE, message_hook=app.keep) as pilot:
        pane = app.query_one(DoctorPane)
        pane.start()
        pane.show_error(error)
        await pilot.pause()
        assert not pane.query_one("#doctor-busy").display
        notice = words(shown(pane.query_one("#doctor-notice")))
        assert notice.startswith("✗ cannot reach the instance check the network")
        assert render_remedy(error.remedy) in notice


# -- the snapshot: a fixed run (no ports, no clock) ------------------------------------------


def fixed_run() -> DoctorRun:
    profile = new_profile("acme-api", "https://acme.example.com", "service-app", client_id="acme")
    clock = remedy(RemedyKind.FIX_CLOCK, clock="api", offset_s=-600)
    said = "HTTP 401: the API's clock is 10 min behind this machine's and the authority's"
    steps = (
        Step("authority", "The authority answers and is the instance identity service", "pass",
             "https://acme.example.com/id: issuer matches, 1 signing key(s)"),
        Step("trusted-app", "The Trusted Application is usable", "pass",
             "the token endpoint issued a token"),
        Step("token-issued", "A token is issued", "pass",
             "Bearer token via client-credentials, expires in 3600 s; scope read update"),
        Step("issuer", "Its issuer matches the instance identity service", "pass",
             "https://acme.example.com/id"),
        Step("signature", "Its signature is valid", "pass", "RS256, kid F7F94E1944594AD2"),
        Step("time", "It is not expired and the clock is right", "pass", "valid for 59 min"),
        Step("scopes", "The needed scopes are granted", "pass", "read update"),
        Step("api-accepts", "The API accepts it", "fail", said,
             "the token is fine: the API's clock is wrong", clock),
        Step("first-200", "The first request returns HTTP 200", "fail", said,
             "the token is fine: the API's clock is wrong", clock),
    )  # fmt: skip
    cause = Cause(
        "clock-skew",
        "The API's clock is 10 min behind this machine's and the authority's",
        "the API said: the token is not valid before 17:33:52",
        "ask the instance's administrators to sync the API node's clock (NTP)",
        clock,
    )
    return DoctorRun(RunFacts(profile=profile), Diagnosis(steps, (cause,)))


def test_snapshot_of_the_doctor_pane(snap_compare: object) -> None:
    run = fixed_run()

    async def show(pilot: object) -> None:
        pane = app.query_one(DoctorPane)
        pane.show_profile(run.facts.profile)
        pane.start()
        pane.show_run(run)

    app = PaneApp(DoctorPane())
    assert snap_compare(app, terminal_size=SIZE, run_before=show)  # type: ignore[operator]

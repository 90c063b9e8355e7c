"""Notices and failures reach the screen: a toast and the pane they concern, remedies as console
keys."""

from __future__ import annotations

import dataclasses
import re

import keyring
import pytest
from keyring.backends import fail
from textual.message import Message

from tests.ui.console_pilot import pane_text, press_and_wait, select, toasts
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.events import Bus, FlowFailed, Notice
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox
from tokenlab.ui.app import make_app
from tokenlab.ui.messages import NoticeShown, RunFailed
from tokenlab.ui.remedies import render_remedy

FLAG = re.compile(r"(?<![\w-])--[a-z]")  # a CLI flag such as --device


def _demo_store(sandbox: Sandbox) -> ProfileStore:
    store = ProfileStore()
    write_demo_profiles(store, sandbox.url)
    return store


@pytest.mark.slow
async def test_a_legacy_scope_notice_is_a_warning_toast_and_in_the_flow_pane(
    sandbox: Sandbox,
) -> None:
    store = _demo_store(sandbox)
    profile = store.load("demo-service-app")
    store.save(dataclasses.replace(profile, scopes=("read", "DomainApi")))
    app = make_app(store, SecretStore(env={}))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "2", "r")
        assert "warning (flow): the scope 'DomainApi' is legacy" in pane_text(app, "flow")
        warnings = [t for t in toasts(app) if t.severity == "warning"]
        assert any("'DomainApi' is legacy" in t.text for t in warnings)


@pytest.mark.slow
async def test_a_failed_flow_is_an_error_toast_and_in_the_flow_pane_with_its_hint(
    sandbox: Sandbox,
) -> None:
    failures: list[FlowFailed] = []

    def keep(message: Message) -> None:
        if isinstance(message, RunFailed):
            failures.append(message.event)

    app = make_app(_demo_store(sandbox), SecretStore(env={}))
    async with app.run_test(size=(100, 30), notifications=True, message_hook=keep) as pilot:
        select(app, "demo-disabled")
        await press_and_wait(pilot, "2", "r")
        log = pane_text(app, "flow")
        (failure,) = failures
        assert " ".join(f"failed [{failure.error}]: {failure.message}".split()) in log
        assert " ".join(f"why: {failure.hint}".split()) in log
        assert failure.remedy is not None  # the step to take, as console words
        assert " ".join(f"next: {render_remedy(failure.remedy)}".split()) in log
        (error,) = [t for t in toasts(app) if t.severity == "error"]
        assert failure.message in error.text and failure.hint in error.text


async def test_remedies_reach_the_screen_as_console_keys_never_as_flags() -> None:
    """A notice and a failure carrying remedies, published on the bus the console listens to."""
    shown: list[Message] = []
    bus = Bus()
    app = make_app(ProfileStore(), SecretStore(bus=bus, env={}), bus=bus)
    async with app.run_test(size=(100, 30), notifications=True, message_hook=shown.append) as pilot:
        bus.publish(
            Notice(
                run_id="r",
                level="warning",
                message="the authority is not the instance's",
                remedy=remedy(RemedyKind.FIX_AUTHORITY, url="https://acme.my.erp.net/id"),
                topic="authority",
            )
        )
        bus.publish(
            FlowFailed(
                run_id="r",
                message="nobody came back to the loopback listener",
                hint="the browser could not reach this machine",
                remedy=remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste", "device")),
            )
        )
        await pilot.pause()
        assert [type(m) for m in shown if isinstance(m, NoticeShown | RunFailed)] == [
            NoticeShown,
            RunFailed,
        ]
        log = pane_text(app, "flow")
        device = "run it by device code in the Flow pane (2): f until the flow is 'code, by device'"
        assert device in log
        (error,) = [t for t in toasts(app) if t.severity == "error"]
        assert device in " ".join(error.text.split())
        (warning,) = [t for t in toasts(app) if t.severity == "warning"]
        assert "https://acme.my.erp.net/id" in warning.text
        assert "press 6 (Profiles), then e to edit" in warning.text
        for text in (log, error.text, warning.text):
            assert not FLAG.search(text), text


@pytest.mark.slow
async def test_the_keyring_warning_shows_in_the_console_not_behind_it(sandbox: Sandbox) -> None:
    keyring.set_keyring(fail.Keyring())
    store = _demo_store(sandbox)
    profile = store.load("demo-service-app")
    store.save(dataclasses.replace(profile, public_secret=""))  # a secret that must be looked up
    app = make_app(store)  # the console's own secret store, on the console's own bus
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        select(app, "demo-service-app")
        await press_and_wait(pilot, "2", "r")
        assert "has no client-secret" in pane_text(app, "flow")  # the failure it leads to
        assert any("no usable keyring" in t.text for t in toasts(app) if t.severity == "warning")
        # the keyring warning (topic "secrets") also reaches the Profiles pane, which says
        # what the fallback means
        profiles = pane_text(app, "profiles")
        assert "no usable keyring" in profiles and "cannot be stored" in profiles

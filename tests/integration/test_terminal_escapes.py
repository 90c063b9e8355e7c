"""Terminal escapes a server sends never reach a terminal, a report or JSON raw (issue 9, item 4).

The fault server answers with an OSC 52 clipboard write, a screen clear, a lone carriage return
and a fake "token issued OK" line (`*-escapes`), or with C1 controls, bidi overrides and a line
separator (`*-escapes-c1`), in an error description, an API's error, or discovery's lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fault_server import (
    CLIENT_ID,
    ESCAPES,
    ESCAPES_C1,
    FaultServer,
    fault_server,
)
from tokenlab.core.events import FlowFailed, Notice, SubscriberFailed, UserActionRequired
from tokenlab.ui import toasts

pytestmark = pytest.mark.slow

# What must never reach a terminal raw: ESC, BEL, C1 CSI and NEL, bidi override and isolate,
# the Unicode line separator.
RAW = ("\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u2066", "\u2028")
FAKE_LINE = "tokenlab: token issued OK"

Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


def assert_inert(where: str, text: str) -> None:
    found = [c for c in RAW if c in text]
    assert not found, (where, found)
    lone_cr = text.replace("\r\n", "\n")
    assert "\r" not in lone_cr, where
    assert not any(line.startswith(FAKE_LINE) for line in text.splitlines()), where


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def add_profile(cli: Cli, faults: FaultServer, mode: str) -> str:
    done = cli(
        *("profiles", "add", mode, "--instance", f"{faults.url}/{mode}"),
        *("--scenario", "service-app", "--client-id", CLIENT_ID),
        *("--authority", faults.authority(mode), "--api", faults.api(mode)),
    )
    assert done.code == 0, done.err
    assert cli("secret", "set", mode, "--stdin", stdin="fault-secret\n").code == 0
    return mode


@pytest.mark.parametrize(
    ("mode", "sent"),
    [
        ("token-escapes", ESCAPES),
        ("token-escapes-c1", ESCAPES_C1),
        ("api-escapes", ESCAPES),
        ("api-escapes-c1", ESCAPES_C1),
    ],
)
def test_token_probe_and_doctor_show_server_escapes_inert(
    cli: Cli, faults: FaultServer, tmp_path: Path, mode: str, sent: str
) -> None:
    name = add_profile(cli, faults, mode)
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    runs = {
        "token": ("token", "-p", name, "-v"),
        "token --json": ("token", "-p", name, "-v", "--json"),
        "probe": ("probe", "-p", name, "-v"),
        "probe --json": ("probe", "-p", name, "-v", "--json"),
        "doctor": ("doctor", "-p", name, "-v", "--report", str(md)),
        "doctor --json": ("doctor", "-p", name, "--json", "--report", str(js)),
    }
    round_tripped = False
    for label, args in runs.items():
        done = cli(*args)
        assert_inert(f"stdout of {label}", done.out)
        assert_inert(f"stderr of {label}", done.err)
        if "--json" in args and done.out.strip():
            parsed = json.loads(done.out)
            round_tripped |= any(sent in s for s in strings_in(parsed))
    assert_inert("the Markdown report", md.read_text(encoding="utf-8"))
    report = js.read_text(encoding="utf-8")
    assert_inert("the JSON report", report)
    json.loads(report)
    # JSON keeps the server's exact words, as valid escapes
    assert round_tripped


def test_authority_shows_escapes_from_discovery_inert_and_json_round_trips(
    cli: Cli, faults: FaultServer
) -> None:
    url = faults.authority("discovery-escapes-in-fields")
    text = cli("authority", url, "-v")
    assert text.code == 0 and "\\x1b]52" in text.out
    assert_inert("authority stdout", text.out)
    assert_inert("authority stderr", text.err)
    as_json = cli("authority", url, "--json")
    assert_inert("authority --json", as_json.out)
    parsed = json.loads(as_json.out)
    assert ESCAPES in parsed["grant_types_supported"]
    assert ESCAPES_C1 in parsed["token_endpoint_auth_methods_supported"]


def test_the_console_toasts_are_inert() -> None:
    failed = FlowFailed(run_id="r", message=f"said {ESCAPES}", hint=ESCAPES_C1)
    notice = Notice(run_id="r", level="warning", message=ESCAPES_C1, hint=ESCAPES)
    action = UserActionRequired(
        run_id="r", action="enter-code", message=ESCAPES, user_code=ESCAPES_C1, url=ESCAPES
    )
    broken = SubscriberFailed(run_id="r", subscriber=ESCAPES, event_type="Notice", error=ESCAPES)
    for toast in (
        toasts.failure_toast(failed),
        toasts.notice_toast(notice),
        toasts.user_action_toast(action),
        toasts.subscriber_toast(broken),
    ):
        assert_inert("console toast", toast)

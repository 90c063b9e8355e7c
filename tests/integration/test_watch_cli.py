"""`tokenlab watch`: text lines, the JSON lines stream (against its schema), Ctrl-C's summary,
bad input, and no secret in any output. Against the sandbox's flaky node and the fault server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.integration.test_canary_outputs import (
    COOKIE,
    REFERENCE,
    SECRET,
    Seen,
    add_profile,
    forms,
    run,
    tokens_forms,
)
from tests.support.fault_server import CLIENT_ID, LEAKY_ACCESS, LEAKY_REFRESH, fault_server
from tokenlab.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/json/watch.schema.json").read_text(encoding="utf-8"))
Cli = Callable[..., Any]


@pytest.fixture
def demo_profiles(cli: Cli, sandbox: Sandbox, isolated_dirs: dict[str, Path]) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0


def json_lines(text: str) -> list[dict[str, Any]]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    events = [json.loads(line) for line in text.splitlines()]  # one object per line
    for event in events:
        validator.validate(event)
    return events


@pytest.mark.slow
def test_json_lines_follow_the_schema_and_name_the_flaky_node(
    cli: Cli, demo_profiles: None
) -> None:
    r = cli("watch", "-p", "demo-api-flaky-node", "--interval", "1s", "--count", "2", "--json")
    assert r.code == 1, r.err  # an intermittent 401 is a finding of failure weight
    events = json_lines(r.out)
    types = [e["type"] for e in events]
    assert types[:4] == ["start", "renewal", "probe", "probe"] and types[-1] == "summary"
    assert [e["status"] for e in events if e["type"] == "probe"] == [200, 401]
    start = events[0]
    assert start["interval_s"] == 1 and start["count"] == 2 and start["at_iso"].endswith("Z")
    findings = {e["key"]: e for e in events if e["type"] == "finding"}
    assert "intermittent-401" in findings
    evidence = " ".join(findings["intermittent-401"]["evidence"])
    assert "node-2" in evidence and "Date " in evidence and "kid " in evidence
    probe = events[3]
    assert probe["node"] == "x-served-by: node-2" and probe["server_skew_s"] > 60
    assert probe["seconds_left"] > 3000 and probe["token"]["token_id"].startswith("jti:")
    summary = events[-1]
    assert summary["failed"] and summary["statuses"] == {"200": 1, "401": 1}


@pytest.mark.slow
def test_text_shows_a_line_per_probe_the_finding_and_a_summary(
    cli: Cli, demo_profiles: None
) -> None:
    r = cli("watch", "-p", "demo-api-flaky-node", "--interval", "1s", "--count", "2")
    assert r.code == 1, r.err
    out = r.out
    assert "watching demo-api-flaky-node" in out and "every 1 s" in out
    assert "#1   200" in out and "#2   401" in out and "node-2" in out
    assert "FINDING [intermittent-401] intermittent 401" in out
    assert "The signature key was not found" in out
    assert "summary: 2 probes" in out and "FAIL a finding of failure weight" in out


def test_a_healthy_api_exits_0_with_no_findings(cli: Cli, demo_profiles: None) -> None:
    r = cli("watch", "-p", "demo-service-app", "--count", "1")
    assert r.code == 0, r.err
    assert "#1   200" in r.out and "no findings" in r.out and "Traceback" not in r.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--interval", "0s"), "out of range"),
        (("--interval", "soon"), "not a duration"),
        (("--count", "0"), "out of range"),
        (("--margin", "-5"), "not a duration"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    cli: Cli, demo_profiles: None, args: tuple[str, ...], words: str
) -> None:
    r = cli("watch", "-p", "demo-service-app", *args)
    assert r.code == 2 and words in r.err and "Traceback" not in r.err


def test_a_token_that_cannot_be_had_is_an_error_line_even_in_json(
    cli: Cli, demo_profiles: None
) -> None:
    r = cli("watch", "-p", "demo-disabled", "--count", "1", "--json")
    assert r.code == 1
    start, event = json_lines(r.out)
    assert (
        start["type"] == "start"
        and event["type"] == "error"
        and "invalid_client" in event["message"]
    )
    assert "tokenlab: error:" in r.err


@pytest.mark.slow
def test_ctrl_c_ends_the_watch_with_a_summary(demo_profiles: None) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tokenlab",
            "watch",
            "-p",
            "demo-api-flaky-node",
            "--interval",
            "1s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: list[str] = []
        while sum(" 401 " in line or " 200 " in line for line in lines) < 3:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, proc.stderr.read()  # type: ignore[union-attr]
            lines.append(line)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 1, err  # the flaky node's finding has failure weight
    assert "Traceback" not in err
    text = "".join(lines) + out
    assert "FINDING [intermittent-401]" in text
    assert "summary: " in out and "latency: p50" in out and "tokens used: jti:" in out
    assert out.count("summary: ") == 1


@pytest.mark.slow
def test_no_canary_in_any_watch_output(
    cli: Cli, sandbox: Sandbox, isolated_dirs: dict[str, Path]
) -> None:
    seen = Seen()
    with fault_server() as faults:
        for mode in ("api-echo", "api-echo-text", "token-form-tokens"):
            name = f"w-{mode}"
            add_profile(
                cli, seen, name,
                *("--instance", f"{faults.url}/{mode}", "--scenario", "service-app"),
                *("--authority", faults.authority(mode), "--api", faults.api(mode)),
                *("--client-id", CLIENT_ID, "--auth-method", "client_secret_basic"),
            )  # fmt: skip
            assert run(cli, seen, "secret", "set", name, "--stdin", stdin=SECRET + "\n") == 0
            for extra in ((), ("--json",), ("-v",)):
                code = cli("watch", "-p", name, "--count", "1", *extra)
                seen.add(f"watch {mode} {extra} stdout", code.out)
                seen.add(f"watch {mode} {extra} stderr", code.err)
    add_profile(cli, seen, "w-reference", "--instance", sandbox.url, "--scenario", "automation")
    run(
        cli, seen, *("secret", "set", "w-reference", "--kind", "reference-token", "--stdin"),
        stdin=REFERENCE + "\n",
    )  # fmt: skip
    for extra in ((), ("--json",)):
        r = cli("watch", "-p", "w-reference", "--count", "1", *extra)
        seen.add(f"watch reference {extra}", r.out + r.err)
    forbidden = forms(SECRET, (CLIENT_ID,)) | forms(COOKIE) | forms(REFERENCE)
    forbidden |= tokens_forms(LEAKY_ACCESS) | tokens_forms(LEAKY_REFRESH)
    seen.assert_free_of(forbidden)
    assert any("sha256:" in text for _, text in seen.texts)  # the reference token, by its hash

"""Token diff: two real sandbox tokens compared claim by claim, by the core and by `tokenlab diff`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.targets import sandbox_profile
from tokenlab.core.events import Bus
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.inspection.compare import diff_tokens
from tokenlab.sandbox import DEMO_REFERENCE_TOKEN, Sandbox

pytestmark = pytest.mark.slow


def issue(sandbox: Sandbox, *scopes: str) -> str:
    profile, store = sandbox_profile(sandbox, "demo-service-app")
    if scopes:
        profile = replace(profile, scopes=scopes)
    result = asyncio.run(run_flow(profile, secrets=store, bus=Bus()))
    return result.api_token.access_token


@pytest.fixture
def before_after(isolated_sandbox: Sandbox) -> tuple[str, str]:
    """A read-only token, then an hour later a read+update one."""
    a = issue(isolated_sandbox, "read")
    isolated_sandbox.clock.advance(3600)
    return a, issue(isolated_sandbox, "read", "update")


def test_scopes_are_compared_as_sets_and_times_as_deltas(before_after: tuple[str, str]) -> None:
    diff = diff_tokens(*before_after)
    assert diff.comparable and not diff.same
    assert diff.scopes_added == ("update",) and diff.scopes_removed == ()
    deltas = dict(diff.time_deltas)
    assert deltas["exp"] == pytest.approx(3600, abs=2) and deltas["iat"] == pytest.approx(
        3600, abs=2
    )
    assert "scopes: added update; removed none" in diff.summary_lines()
    assert any(line.startswith("times: ") and "exp +36" in line for line in diff.summary_lines())
    (scope,) = [d for d in diff.diffs if d.name == "scope"]
    assert scope.change == "changed" and not scope.expected and "granted now: update" in scope.note
    assert {d.name for d in diff.findings} == {"scope"}  # the rest is churn


def test_another_instance_changes_the_header_kid_and_the_issuer(
    sandbox: Sandbox, isolated_sandbox: Sandbox
) -> None:
    diff = diff_tokens(issue(sandbox), issue(isolated_sandbox))
    names = {d.name for d in diff.header_changes}
    assert "header.kid" in names
    assert any(line == "header: kid changed (keys rotate)" for line in diff.summary_lines())
    assert "iss" in {d.name for d in diff.findings}


def test_the_same_token_is_the_same(sandbox: Sandbox) -> None:
    token = issue(sandbox)
    diff = diff_tokens(token, token)
    assert (
        diff.same
        and diff.diffs == ()
        and diff.summary_lines() == ["the tokens have the same header and claims"]
    )


def test_reference_tokens_are_compared_only_whole() -> None:
    other = "enrt_" + "z" * 40
    diff = diff_tokens(DEMO_REFERENCE_TOKEN, other)
    assert not diff.comparable and not diff.same
    assert diff.summary_lines() == [
        "different tokens; reference and opaque tokens cannot be compared by content"
    ]
    shown = json.dumps(diff.to_json())
    assert DEMO_REFERENCE_TOKEN not in shown and other not in shown and "zzzz" not in shown
    assert diff_tokens(DEMO_REFERENCE_TOKEN, DEMO_REFERENCE_TOKEN).same


# -- the command, as a separate process ------------------------------------------------------------


def tokenlab(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_cli_diff_of_a_file_and_stdin(before_after: tuple[str, str], tmp_path: Path) -> None:
    a, b = before_after
    (tmp_path / "a.jwt").write_text(a + "\n")
    run = tokenlab("diff", str(tmp_path / "a.jwt"), "-", stdin=f"Bearer {b}\n")
    assert run.returncode == 1, run.stderr
    assert '~ scope: ["read"] → ["read","update"]  (granted now: update)' in run.stdout
    assert re.search(r"~ exp: \d+ → \d+  \(expected: .*\(\+3(600|599|601) s\)\)", run.stdout)
    assert "scopes: added update; removed none" in run.stdout
    assert a not in run.stdout + run.stderr and b not in run.stdout + run.stderr


def test_cli_diff_of_two_tokens_given_as_arguments(before_after: tuple[str, str]) -> None:
    # a real token is longer than a file name may be: it must be read as a token, not a path
    a, b = before_after
    run = tokenlab("diff", a, b)
    assert run.returncode == 1, run.stderr
    assert "scopes: added update; removed none" in run.stdout and run.stderr == ""


def test_cli_diff_json_reads_a_token_response(
    before_after: tuple[str, str], tmp_path: Path
) -> None:
    a, b = before_after
    (tmp_path / "a.txt").write_text(a)
    (tmp_path / "b.json").write_text(json.dumps({"access_token": b, "token_type": "Bearer"}))
    run = tokenlab("diff", str(tmp_path / "a.txt"), str(tmp_path / "b.json"), "--json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["scopes"] == {"added": ["update"], "removed": []}
    assert data["time_deltas_s"]["exp"] == pytest.approx(3600, abs=2)
    assert data["a"]["kind"] == "jwt" and not data["same"]
    assert a not in run.stdout and b not in run.stdout


def test_cli_diff_same_token_exits_0_and_bad_input_exits_2(tmp_path: Path) -> None:
    same = tokenlab("diff", DEMO_REFERENCE_TOKEN, "-", stdin=DEMO_REFERENCE_TOKEN)
    assert same.returncode == 0 and "the same token" in same.stdout
    assert DEMO_REFERENCE_TOKEN not in same.stdout + same.stderr
    missing = tokenlab("diff", str(tmp_path / "nope.jwt"), "-", stdin="x")
    assert missing.returncode == 2 and "no file" in missing.stderr
    assert "Traceback" not in missing.stderr
    both = tokenlab("diff", "-", "-")
    assert both.returncode == 2 and "only one" in both.stderr
    junk = tokenlab("diff", "not-a-token", "-", stdin="also junk")
    assert junk.returncode == 2 and "Traceback" not in junk.stderr

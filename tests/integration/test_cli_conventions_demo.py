"""The demo profiles' lifecycle: the console's live only for its run; written ones are checked
and marked, and one whose sandbox is gone says so and how to start it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # free once closed: nothing listens there


def test_the_console_demo_leaves_no_profile_in_the_users_directory(
    cli: object, monkeypatch: pytest.MonkeyPatch, isolated_dirs: dict[str, Path]
) -> None:
    seen: dict[str, object] = {}

    def console(profiles: ProfileStore, secrets: SecretStore, **options: object) -> int:
        seen["names"] = profiles.names()
        seen["use_keyring"] = options.get("use_keyring", True)
        seen["dir"] = profiles.dir
        return 0

    monkeypatch.setattr("tokenlab.ui.launch.run_console", console)
    monkeypatch.setattr("tokenlab.ui.launch.require_terminal", lambda: None)  # pytest has none
    r = cli("demo")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert "demo-service-app" in seen["names"]  # type: ignore[operator]
    assert not Path(str(seen["dir"])).exists()  # the throw-away directory went with the console
    assert seen["use_keyring"] is False  # its refresh tokens go with it too
    assert ProfileStore(isolated_dirs["config"]).names() == []
    assert cli("profiles", "list").out.startswith("no profiles yet")  # type: ignore[operator]
    assert "lived only for that console" in r.err and "--print-profiles" in r.err


def test_print_profiles_writes_nothing_when_no_sandbox_answers(cli: object) -> None:
    port = _closed_port()
    r = cli("demo", "--print-profiles", "--port", str(port))  # type: ignore[operator]
    assert r.code == 1
    assert r.out == ""
    assert f"no tokenlab sandbox answers on port {port}" in r.err
    assert f"tokenlab sandbox --port {port}" in r.err  # how to start one
    assert json.loads(cli("profiles", "list", "--json").out)["profiles"] == []  # type: ignore[operator]


def test_written_demo_profiles_are_marked(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--print-profiles", "--port", port).code == 0  # type: ignore[operator]
    shown = json.loads(cli("profiles", "show", "demo-service-app", "--json").out)  # type: ignore[operator]
    assert shown["demo_sandbox"] is True


def test_a_demo_profile_whose_sandbox_is_gone_says_how_to_start_it(cli: object) -> None:
    with Sandbox.running_in_thread(port=0) as sandbox:
        port = sandbox.url.rsplit(":", 1)[1]
        assert cli("demo", "--print-profiles", "--port", port).code == 0  # type: ignore[operator]
    for command in ("token", "probe", "doctor"):
        r = cli(command, "--profile", "demo-service-app")  # type: ignore[operator]
        assert r.code == 1
        said = r.out + r.err  # the doctor's checklist is on stdout
        assert f"the demo sandbox on port {port} is not running" in said
        assert f"`tokenlab sandbox --port {port}`" in said
        assert "is the URL right" not in said


def test_a_profile_that_is_no_demo_keeps_the_plain_refusal(cli: object) -> None:
    port = _closed_port()
    instance = f"http://127.0.0.1:{port}"
    cli("profiles", "add", "mine", "--instance", instance, "--scenario", "service-app",  # type: ignore[operator]
        "--client-id", "c1")  # fmt: skip
    r = cli("token", "--profile", "mine", "--secret-stdin", stdin="s3cret\n")  # type: ignore[operator]
    assert r.code == 1 and "connection refused" in r.err and "demo sandbox" not in r.err


def test_a_demo_api_on_a_closed_port_is_not_taken_for_a_stopped_sandbox(
    cli: object, sandbox: Sandbox
) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--print-profiles", "--port", port).code == 0  # type: ignore[operator]
    r = cli("doctor", "--profile", "demo-api-refused")  # type: ignore[operator]
    assert r.code == 1
    assert "connection refused" in r.out and "demo sandbox" not in r.out + r.err

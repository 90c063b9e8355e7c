"""`tokenlab sandbox` and `tokenlab demo`: the no-account way in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
DEMO_NAMES = {
    "demo-service-app",
    "demo-web-app",
    "demo-spa",
    "demo-portal",
    "demo-automation",
    "demo-disabled",
    "demo-no-system-user",
    "demo-scope-not-allowed",
    "demo-redirect-mismatch",
    "demo-global-authority",
    "demo-api-clock-behind",
    "demo-api-clock-ahead",
    "demo-api-wrong-audience",
    "demo-api-wrong-issuer",
    "demo-api-stale-keys",
    "demo-api-unexplained",
    "demo-api-forbidden",
    "demo-api-not-found",
    "demo-api-business-error",
    "demo-api-refused",
    "demo-api-flaky-node",
    "demo-admin",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sandbox_command_serves_in_the_foreground_and_stops_on_sigint(
    isolated_dirs: dict[str, Path],
) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokenlab", "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = []
        while not banner or "Ctrl-C" not in banner[-1]:
            banner.append(proc.stdout.readline())  # type: ignore[union-attr]
        first = "".join(banner)
        assert f"http://127.0.0.1:{port}" in banner[0]
        deadline = time.monotonic() + 10
        while True:
            try:
                discovery = httpx.get(
                    f"http://127.0.0.1:{port}/id/.well-known/openid-configuration", timeout=1
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert discovery.json()["issuer"] == f"http://127.0.0.1:{port}/id"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert "com.tokenlab.demo/service-app" in first + out  # the demo clients are listed
    finally:
        proc.kill() if proc.poll() is None else None


def test_sandbox_command_on_a_busy_port_is_a_clear_error(cli: object) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = cli("sandbox", "--port", str(s.getsockname()[1]))  # type: ignore[operator]
    assert r.code == 2 and "cannot listen" in r.err and "--port" in r.err


def test_demo_print_profiles_creates_every_demo_profile(
    cli: object, sandbox: Sandbox, isolated_sandbox: Sandbox
) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    r = cli("demo", "--port", port, "--print-profiles")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert set(r.out.split()) >= DEMO_NAMES
    listed = json.loads(cli("profiles", "list", "--json").out)["profiles"]  # type: ignore[operator]
    by_name = {p["name"]: p for p in listed}
    assert set(by_name) == DEMO_NAMES
    assert by_name["demo-service-app"]["authority"] == f"{sandbox.url}/id"
    assert by_name["demo-global-authority"]["authority"] == f"{sandbox.url}/global/id"
    assert by_name["demo-service-app"]["uses_public_demo_values"] is True
    # refreshing for another sandbox's port rewrites them (no duplicates, nothing lost)
    other = isolated_sandbox.url.rsplit(":", 1)[1]
    r = cli("demo", "--port", other, "--print-profiles", "--json")  # type: ignore[operator]
    printed = json.loads(r.out)
    assert r.code == 0 and printed["schema"] == "tokenlab.demo/1"
    assert {p["instance"] for p in printed["profiles"]} == {isolated_sandbox.url}
    assert len(json.loads(cli("profiles", "list", "--json").out)["profiles"]) == len(DEMO_NAMES)  # type: ignore[operator]
    r = cli("demo", "--print-profiles")  # type: ignore[operator]
    assert r.code == 2 and "--port" in r.err


def test_demo_starts_the_sandbox_writes_profiles_and_opens_the_console(
    cli: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_console(
        profiles: ProfileStore,
        secrets: SecretStore,
        *,
        title: str = "",
        sandbox_url: str = "",
        demo_sign_in: str = "",
        use_keyring: bool = True,
    ) -> int:
        # what the console would show: a live sandbox and the demo profiles pointing at it
        seen["issuer"] = httpx.get(f"{sandbox_url}/id/.well-known/openid-configuration").json()[
            "issuer"
        ]
        seen["profiles"] = {p.name: p.instance for p in profiles.load_all()[0]}
        seen["url"] = sandbox_url
        seen["sign_in"] = demo_sign_in
        seen["use_keyring"] = use_keyring
        return 0

    monkeypatch.setattr("tokenlab.ui.launch.run_console", fake_console)
    monkeypatch.setattr("tokenlab.ui.launch.require_terminal", lambda: None)  # pytest has none
    r = cli("demo")  # type: ignore[operator]
    assert r.code == 0, r.err
    url = seen["url"]
    assert seen["issuer"] == f"{url}/id"
    assert set(seen["profiles"]) == DEMO_NAMES  # type: ignore[arg-type]
    assert set(seen["profiles"].values()) == {url}  # type: ignore[union-attr]
    assert seen["sign_in"] == "user demo / password demo-password"  # the public demo account
    assert seen["use_keyring"] is False  # its secrets live and die with it, as its profiles
    with pytest.raises(httpx.TransportError):  # the sandbox stops with the console
        httpx.get(f"{url}/id/.well-known/openid-configuration", timeout=1)


def test_demo_needs_no_keyring_and_no_environment(cli: object, sandbox: Sandbox) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-service-app", "-q")  # type: ignore[operator]
    assert r.code == 0 and r.out.count(".") == 2, r.err

"""Sign-in: --browser-command, --no-browser, no browser where none can open, -q hides no URL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tokenlab.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]

# A "browser" that writes the address it was given to a file and signs in as the demo user,
# then delivers the answer to tokenlab's loopback listener, as a browser would.
BROWSER_SCRIPT = """
import sys
from urllib.parse import urlencode
sys.path.insert(0, {root!r})
import httpx
from tests.sandbox_fixtures import sign_in
url = sys.argv[1]
with open({seen!r}, "w") as f:
    f.write(url)
with httpx.Client() as browser:
    result = sign_in(browser, url)
    if result.mode == "form_post":
        browser.post(result.target, data=result.params)
    else:
        browser.get(result.target + "?" + urlencode(result.params))
"""

MARKER_SCRIPT = '#!/bin/sh\necho "$1" > {marker}\n'


def _demo_profiles(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]


@pytest.mark.slow
def test_browser_command_opens_the_url_and_the_flow_finishes(
    cli: object, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 5555 10.0.0.1 22")  # chosen even over SSH
    _demo_profiles(cli, sandbox)
    seen = tmp_path / "seen-url.txt"
    script = tmp_path / "browser.py"
    script.write_text(BROWSER_SCRIPT.format(root=str(ROOT), seen=str(seen)))
    command = f"{sys.executable} {script}"
    r = cli("token", "-p", "demo-web-app", "--browser-command", command, "--wait", "30")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert r.out.count(".") == 2  # a JWT access token
    assert seen.read_text().startswith(f"{sandbox.url}/id/connect/authorize?")
    assert "tokenlab opens it with your browser command" in r.err


def _marker_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$BROWSER set to a script that leaves a marker: proof that a browser was tried."""
    marker = tmp_path / "browser-was-tried"
    script = tmp_path / "browser.sh"
    script.write_text(MARKER_SCRIPT.format(marker=marker))
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("DISPLAY", ":0")
    return marker


@pytest.mark.slow
def test_no_browser_prints_the_url_even_with_quiet(
    cli: object, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = _marker_browser(tmp_path, monkeypatch)
    _demo_profiles(cli, sandbox)
    r = cli("token", "-p", "demo-web-app", "--no-browser", "-q", "--wait", "1")  # type: ignore[operator]
    assert r.code != 0 and r.out == ""  # nobody signed in
    assert f"{sandbox.url}/id/connect/authorize?" in r.err
    assert not marker.exists()


@pytest.mark.slow
def test_over_ssh_no_browser_is_tried(
    cli: object, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = _marker_browser(tmp_path, monkeypatch)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 5555 10.0.0.1 22")
    _demo_profiles(cli, sandbox)
    r = cli("token", "-p", "demo-web-app", "--wait", "1")  # type: ignore[operator]
    assert r.code != 0
    assert "no browser is opened: connected over SSH" in r.err
    assert f"{sandbox.url}/id/connect/authorize?" in r.err
    assert not marker.exists()


@pytest.mark.slow
def test_quiet_never_hides_the_device_code(cli: object, sandbox: Sandbox) -> None:
    _demo_profiles(cli, sandbox)
    r = cli("token", "-p", "demo-web-app", "--device", "-q", "--wait", "1")  # type: ignore[operator]
    assert r.code != 0
    assert "code: " in r.err


def test_no_browser_and_browser_command_contradict(cli: object) -> None:
    cli("profiles", "add", "web", "--instance", "https://acme.example", "--scenario", "web-app",  # type: ignore[operator]
        "--client-id", "c1")  # fmt: skip
    r = cli("token", "-p", "web", "--no-browser", "--browser-command", "firefox")  # type: ignore[operator]
    assert r.code == 2 and "contradict" in r.err

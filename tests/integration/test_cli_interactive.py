"""`tokenlab token --paste` and `--device` as a person uses them: a process, its prompt, a browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.sandbox_fixtures import sign_in
from tokenlab.sandbox import DEMO_USER, Sandbox

ROOT = Path(__file__).resolve().parents[2]


def start(args: list[str], config: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TOKENLAB_CONFIG_DIR": str(config), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tokenlab", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_until(stream: object, pattern: str, timeout: float = 20) -> re.Match[str]:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            break
        seen += line
        match = re.search(pattern, seen)
        if match:
            return match
    raise AssertionError(f"{pattern!r} not seen in:\n{seen}")


def demo_profiles(sandbox: Sandbox, config: Path) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    done = start(["demo", "--port", port, "--print-profiles"], config)
    assert done.wait(30) == 0


def test_paste_the_redirect_address(sandbox: Sandbox, tmp_path: Path) -> None:
    demo_profiles(sandbox, tmp_path)
    proc = start(["token", "--profile", "demo-spa", "--paste", "-q"], tmp_path)
    try:
        url = read_until(proc.stderr, r"(http://127\.0\.0\.1:\d+/id/connect/authorize\?\S+)").group(
            1
        )
        with httpx.Client() as browser:  # the person, in a browser anywhere
            landed = sign_in(browser, url)
        proc.stdin.write(f"{landed.target}?{urlencode(landed.params)}\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().count(".") == 2 and out.strip() not in err


@pytest.mark.slow
def test_device_code_approved_on_another_device(sandbox: Sandbox, tmp_path: Path) -> None:
    demo_profiles(sandbox, tmp_path)
    proc = start(["token", "--profile", "demo-web-app", "--device", "-q"], tmp_path)
    try:
        code = read_until(proc.stderr, r"code: ([A-Z0-9-]+)").group(1)
        answer = httpx.post(
            f"{sandbox.url}/id/device",
            data={
                "user_code": code,
                "username": DEMO_USER.username,
                "password": DEMO_USER.password,
                "action": "approve",
            },
        )
        assert answer.status_code == 200
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().count(".") == 2

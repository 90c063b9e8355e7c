"""A canary secret set through `tokenlab secret set` must show up nowhere but the keyring."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from tests.support.keyrings import FileKeyring
from tests.support.servers import http_server
from tokenlab.core.events import Bus, Event
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.secrets import SecretKind, SecretStore

CANARY = "CANARY-4a7f-c11e-5ec2-e7-93b1"
ROOT = Path(__file__).resolve().parents[2]


def run_tokenlab(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture
def keyring_env(tmp_path: Path, isolated_dirs: dict[str, Path]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="tests.support.keyrings.FileKeyring",
        TOKENLAB_TEST_KEYRING_FILE=str(tmp_path / "outside" / "keyring.json"),
        PYTHONPATH=str(ROOT),
    )
    (tmp_path / "outside").mkdir()
    return env


@pytest.mark.slow
async def test_canary_secret_reaches_no_file_no_event_and_no_output(
    keyring_env: dict[str, str], isolated_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs: list[str] = []

    def run(*args: str, stdin: str = "") -> None:
        done = run_tokenlab(keyring_env, *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
        outputs.extend([done.stdout, done.stderr])

    run(
        "profiles",
        "add",
        "acme",
        "--instance",
        "http://127.0.0.1:9",
        "--scenario",
        "service-app",
        "--client-id",
        "com.acme/svc",
    )
    run("secret", "set", "acme", "--stdin", stdin=CANARY + "\n")
    run("secret", "set", "acme", "--kind", "key-passphrase", "--stdin", stdin=CANARY + "-pass\n")
    run("secret", "status", "acme")
    run("secret", "status", "acme", "--json")
    run("profiles", "show", "acme", "--json")
    run("profiles", "list")
    run("profiles", "export", "acme")
    run("profiles", "copy", "acme", "acme-2")

    # the secret really is in the (stand-in) keyring, so the checks below are not vacuous
    assert CANARY in Path(keyring_env["TOKENLAB_TEST_KEYRING_FILE"]).read_text()

    # an HTTP exchange that sends it every way a flow would
    monkeypatch.setenv("TOKENLAB_TEST_KEYRING_FILE", keyring_env["TOKENLAB_TEST_KEYRING_FILE"])
    keyring.set_keyring(FileKeyring())
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(events.append)
    store = SecretStore(bus=bus, env={})
    secret = store.require("acme", SecretKind.CLIENT_SECRET)
    assert secret == CANARY
    basic = base64.b64encode(f"com.acme/svc:{secret}".encode()).decode()
    with http_server() as server:
        async with build_client(HttpOptions(), bus=bus, redactor=store.redactor) as client:
            await client.post(
                f"{server.url}/token",
                data={"client_secret": secret},
                headers={"Authorization": f"Basic {basic}"},
            )
            await client.post(
                f"{server.url}/echo", content=f"odd-body {secret}", headers={"X-Whatever": secret}
            )
    assert len(events) == 2

    for text in outputs + [repr(e) for e in events]:
        assert CANARY not in text and basic not in text
    for directory in (isolated_dirs["config"], isolated_dirs["data"]):
        for path in directory.rglob("*") if directory.exists() else []:
            if path.is_file():
                assert CANARY not in path.read_text(errors="ignore"), path

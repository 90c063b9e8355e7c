"""A hostile or broken server against the transport: compression bombs, answers that drip or
never come, and timeouts that cannot be met. Real sockets on 127.0.0.1 (tests/support/fault_server).

Each ends in one clear error, in bounded time and memory, through the public entry points: the
core (`inspect_authority`, `run_flow`, the one httpx client) and the CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.fault_server import (
    BOMB_SIZE,
    CLIENT_ID,
    CLIENT_SECRET,
    FaultServer,
    _double_gzip,
    fault_server,
)
from tokenlab.cli import build_parser
from tokenlab.core.authority import inspect_authority
from tokenlab.core.errors import (
    RemedyKind,
    RequestTimeoutError,
    ResponseTooLargeError,
    TokenlabError,
    UsageError,
)
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import MAX_BODY_BYTES, HttpOptions, build_client
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.timeouts import MAX_TIMEOUT_S, MAX_WAIT_S

ROOT = Path(__file__).resolve().parents[2]
DRIP_S = 0.3  # each byte comes well within any read timeout...
TIMEOUT_S = 1.0  # ...but the whole answer never comes within this
SLACK_S = 1.5  # event loop, thread and process start-up on a slow CI machine
BOMB_SECONDS = 5.0  # before the cap: about 16 s and 520 MiB for this 256 MiB bomb
BOMB_PEAK_BYTES = 64 << 20

T = TypeVar("T")


@pytest.fixture(scope="module")
def fault() -> Iterator[FaultServer]:
    _double_gzip(BOMB_SIZE)  # build the bomb once, outside any measurement
    with fault_server(drip_s=DRIP_S) as server:
        yield server


def profile_for(fault: FaultServer, mode: str, **values: Any) -> tuple[Profile, SecretStore]:
    """A service-app profile whose authority is `mode`'s (`{instance}/id`)."""
    profile = new_profile(
        "faulty", f"{fault.url}/{mode}", "service-app", client_id=CLIENT_ID, **values
    )
    store = SecretStore(env={})
    store.remember(profile.name, SecretKind.CLIENT_SECRET, CLIENT_SECRET)
    return profile, store


async def within(seconds: float, work: Awaitable[T]) -> T:
    """`work`, failing the test (not hanging it) if it outlives `seconds`."""
    return await asyncio.wait_for(work, seconds)


def measured(run: Any) -> tuple[Any, float, int]:
    """(what `run()` returned or raised, seconds, peak bytes traced) for one call."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: Any = run()
    except Exception as exc:  # the outcome is what the test looks at
        outcome = exc
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, elapsed, peak


def tokenlab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `tokenlab` process: its exit code, stdout and stderr, with a hard limit."""
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        timeout=30,
    )


def one_line_error(stderr: str) -> str:
    """The error line of a failed run; fails the test on a traceback or a "bug" exit."""
    assert "Traceback" not in stderr and "this is a bug" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("tokenlab: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


# -- compression bombs: the cap counts decoded bytes -------------------------------------------


@pytest.mark.parametrize("where", ["discovery", "jwks", "api"])
def test_a_gzip_bomb_stops_at_the_decoded_cap_fast_and_small(
    fault: FaultServer, where: str
) -> None:
    async def fetch() -> None:
        async with build_client(HttpOptions(timeout=30)) as client:
            if where == "api":
                await client.get(fault.api("api-gzip-bomb"))
            else:
                await inspect_authority(client, fault.authority(f"{where}-gzip-bomb"))

    outcome, seconds, peak = measured(lambda: asyncio.run(fetch()))
    assert isinstance(outcome, ResponseTooLargeError), outcome
    assert seconds < BOMB_SECONDS and peak < BOMB_PEAK_BYTES, (seconds, peak >> 20)
    assert f"{where}-gzip-bomb" in outcome.message  # names the URL...
    assert "4 MiB once decompressed" in outcome.message  # ...and the cap
    assert "\n" not in outcome.message


def test_a_gzip_bomb_from_the_token_endpoint_fails_the_flow_and_never_reaches_the_trace(
    fault: FaultServer,
) -> None:
    profile, store = profile_for(fault, "token-gzip-bomb")
    bus = Bus()
    with bus.collect(HttpExchange) as exchanges:
        outcome, seconds, peak = measured(
            lambda: asyncio.run(run_flow(profile, secrets=store, bus=bus))
        )
    assert isinstance(outcome, ResponseTooLargeError), outcome
    assert seconds < BOMB_SECONDS and peak < BOMB_PEAK_BYTES, (seconds, peak >> 20)
    (post,) = [e for e in exchanges if isinstance(e, HttpExchange) and e.method == "POST"]
    assert post.error == outcome.message and post.response_body == "" and post.status is None


def test_the_cli_says_the_bomb_is_too_large_in_one_line(fault: FaultServer) -> None:
    started = time.perf_counter()
    done = tokenlab("authority", fault.authority("discovery-gzip-bomb"), "-v")
    assert time.perf_counter() - started < BOMB_SECONDS + SLACK_S
    assert done.returncode == 1
    assert "is larger than 4 MiB once decompressed" in one_line_error(done.stderr)
    assert len(done.stderr) < 10_000  # the trace (-v) shows no inflated body


async def test_an_ordinary_gzipped_answer_is_still_read(fault: FaultServer) -> None:
    # the fault server's own answers are plain; a small gzipped one must keep working
    import gzip

    import httpx

    body = b'{"value": [' + b'{"Id": 1},' * 1000 + b'{"Id": 2}]}'

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(
            200,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
            stream=httpx.ByteStream(gzip.compress(body)),
        )

    async with build_client(HttpOptions(), transport=httpx.MockTransport(handler)) as client:
        response = await client.get("https://api.example/odata")
    assert response.content == body and response.json()["value"][-1] == {"Id": 2}


async def test_an_answer_compressed_in_a_way_not_asked_for_is_refused() -> None:
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "br"}, stream=httpx.ByteStream(b"\x0b\x02\x80{}\x03")
        )

    async with build_client(HttpOptions(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(
            TokenlabError, match="compressed with br, which tokenlab did not ask for"
        ):
            await client.get("https://api.example/odata")


def test_the_cap_is_the_documented_four_mib() -> None:
    assert MAX_BODY_BYTES == 4 << 20


# -- one deadline for the whole request --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fault_mode", ["drip-headers", "drip-body", "silent"])
@pytest.mark.parametrize("where", ["discovery", "jwks"])
async def test_an_answer_that_never_completes_ends_at_the_deadline(
    fault: FaultServer, where: str, fault_mode: str
) -> None:
    mode = f"{where}-{fault_mode}"
    started = time.perf_counter()
    async with build_client(HttpOptions(timeout=TIMEOUT_S)) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await within(20, inspect_authority(client, fault.authority(mode)))
    assert time.perf_counter() - started < TIMEOUT_S + SLACK_S
    assert f"/{mode}/" in caught.value.message and "within 1 s" in caught.value.message
    assert caught.value.remedy is not None and caught.value.remedy.kind == RemedyKind.RAISE_TIMEOUT


@pytest.mark.slow
@pytest.mark.parametrize("fault_mode", ["drip-headers", "drip-body"])
async def test_a_dripping_token_endpoint_ends_the_flow_at_the_deadline(
    fault: FaultServer, fault_mode: str
) -> None:
    profile, store = profile_for(fault, f"token-{fault_mode}", timeout=TIMEOUT_S)
    started = time.perf_counter()
    with pytest.raises(RequestTimeoutError, match=r"no complete answer from .* within 1 s"):
        await within(20, run_flow(profile, secrets=store, bus=Bus()))
    assert time.perf_counter() - started < TIMEOUT_S + SLACK_S


@pytest.mark.slow
@pytest.mark.parametrize("fault_mode", ["drip-headers", "drip-body", "silent"])
def test_tokenlab_token_against_a_dripping_server_ends_at_its_timeout(
    fault: FaultServer, cli: Any, fault_mode: str
) -> None:
    made = cli(
        "profiles", "add", "drip", "--instance", f"{fault.url}/token-{fault_mode}",
        "--scenario", "service-app", "--client-id", CLIENT_ID, "--timeout", "1",
    )  # fmt: skip
    assert made.code == 0, made.err
    started = time.perf_counter()
    done = tokenlab("token", "-p", "drip", env={"TOKENLAB_CLIENT_SECRET": CLIENT_SECRET})
    assert time.perf_counter() - started < TIMEOUT_S + 2 * SLACK_S  # a whole process start
    assert done.returncode == 1
    assert "within 1 s" in one_line_error(done.stderr)


# -- timeouts that cannot be met are refused where they are given -------------------------------


def _commands_taking(option: str) -> list[tuple[str, ...]]:
    """Every command path (`("profiles", "add")`) whose parser has `option`, read from the CLI."""
    found: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if option in action.option_strings:
                found.append(path)
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, (*path, name))

    walk(build_parser(), ())
    return found


SECONDS_OPTIONS = [(path, "--timeout") for path in _commands_taking("--timeout")] + [
    (path, "--wait") for path in _commands_taking("--wait")
]


def test_every_seconds_option_is_found() -> None:
    paths = {(" ".join(p), o) for p, o in SECONDS_OPTIONS}
    assert {("authority", "--timeout"), ("decode", "--timeout"), ("token", "--wait")} <= paths
    assert {("profiles add", "--timeout"), ("profiles edit", "--timeout")} <= paths


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e999", "past-the-maximum"])
@pytest.mark.parametrize(
    ("path", "option"), SECONDS_OPTIONS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_a_timeout_that_cannot_be_met_is_refused_by_every_command(
    cli: Any, path: tuple[str, ...], option: str, value: str
) -> None:
    if value == "past-the-maximum":
        value = str((MAX_TIMEOUT_S if option == "--timeout" else MAX_WAIT_S) + 1)
    r = cli(*path, f"{option}={value}")
    assert r.code == 2
    (line,) = [x for x in r.err.splitlines() if x.startswith("tokenlab: error:")]
    assert line.startswith(f"tokenlab: error: argument {option}: ")
    assert "seconds" in line and "unexpected" not in r.err


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("inf", "inf s would wait forever"),
        ("nan", "nan is not a number of seconds"),
        ("-1", "-1 s can never be met"),
        ("0", "0 s can never be met"),
        ("1e999", "inf s would wait forever"),
    ],
)
def test_a_profile_file_with_a_timeout_that_cannot_be_met_is_refused(
    cli: Any, isolated_dirs: dict[str, Path], written: str, says: str
) -> None:
    assert cli("profiles", "add", "slow", "--instance", "https://acme.example",
               "--scenario", "service-app", "--client-id", "com.acme/app").code == 0  # fmt: skip
    path = isolated_dirs["config"] / "profiles" / "slow.toml"
    text = path.read_text()
    path.write_text(text.replace("auth_method =", f"timeout = {written}\nauth_method =", 1))
    r = cli("profiles", "show", "slow")
    assert r.code == 2
    assert "slow.toml:" in r.err and f"timeout: a timeout of {says}" in r.err
    assert "unexpected" not in r.err


@pytest.mark.parametrize("seconds", [float("inf"), float("nan"), -1.0, 0.0])
def test_the_http_options_refuse_a_timeout_that_cannot_be_met(seconds: float) -> None:
    with pytest.raises(UsageError, match="a timeout of"):
        HttpOptions(timeout=seconds)

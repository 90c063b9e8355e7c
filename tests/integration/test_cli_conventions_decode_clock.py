"""`decode --verify` says which clock judged the times, and the skew, also when all passes."""

from __future__ import annotations

import json
import re

import pytest

from tokenlab.commands.decode_cmd import clock_used
from tokenlab.sandbox import Sandbox


def _token(cli: object, sandbox: Sandbox) -> str:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-service-app", "-q")  # type: ignore[operator]
    assert r.code == 0, r.err
    return str(r.out.strip())


def test_in_sync_the_clock_line_names_this_machine(cli: object, isolated_sandbox: Sandbox) -> None:
    token = _token(cli, isolated_sandbox)
    args = ("decode", "--verify", "--profile", "demo-service-app")
    r = cli(*args, stdin=token)  # type: ignore[operator]
    assert r.code == 0, r.out + r.err
    assert "clock    this machine's clock, in sync with the authority's" in r.out
    data = json.loads(cli(*args, "--json", stdin=token).out)  # type: ignore[operator]
    assert data["ok"] and data["clock"]["judged_by"] == "this-machine"
    assert abs(data["clock"]["skew_s"]) < 2


@pytest.mark.slow
def test_a_skewed_authority_clock_is_named_with_the_skew_even_when_checks_pass(
    cli: object, isolated_sandbox: Sandbox
) -> None:
    isolated_sandbox.clock.advance(900)  # the identity service is 15 min ahead of this machine
    token = _token(cli, isolated_sandbox)
    args = ("decode", "--verify", "--profile", "demo-service-app")
    r = cli(*args, stdin=token)  # type: ignore[operator]
    assert r.code == 0, r.out + r.err  # judged by the authority's clock: the token is fine
    # the Date header has 1 s resolution: 899..901
    assert re.search(r"clock    the authority's clock: it is (899|900|901) s ahead of this", r.out)
    data = json.loads(cli(*args, "--json", stdin=token).out)  # type: ignore[operator]
    assert data["ok"] and data["clock"]["judged_by"] == "authority"
    assert 898 <= data["clock"]["skew_s"] <= 902


def test_clock_used_without_a_date_header() -> None:
    assert clock_used(None)["judged_by"] == "this-machine"
    assert "skew is unknown" in clock_used(None)["words"]
    assert "behind" in clock_used(-30.0)["words"]

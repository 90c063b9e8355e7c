"""`tokenlab token`: stdout carries a usable token or nothing."""

from __future__ import annotations

from tokenlab.sandbox import DEMO_REFERENCE_TOKEN, Sandbox


def test_reveal_prints_exactly_the_reference_token(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-automation", "--reveal")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert r.out == DEMO_REFERENCE_TOKEN + "\n"


def test_without_reveal_stdout_is_empty_and_the_reason_on_stderr(
    cli: object, sandbox: Sandbox
) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-automation", "-q")  # type: ignore[operator]
    assert (r.code, r.out) == (2, "")
    assert "it is a secret: not printed" in r.err and "--reveal" in r.err


def test_an_access_token_needs_no_reveal(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-service-app", "-q")  # type: ignore[operator]
    assert r.code == 0 and r.out.count(".") == 2

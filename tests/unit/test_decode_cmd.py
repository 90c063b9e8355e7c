"""`tokenlab decode` offline: exit codes, JSON shape, no network, never the whole token."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import CliResult
from tokenlab import cli
from tokenlab.core.profiles import ProfileStore, new_profile

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER = "https://acme.my.erp.net/id"
Run = Callable[..., CliResult]


def make_token(typ: str = "at+jwt", **changes: Any) -> str:
    import time

    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": ["DomainAPI", "TableAPI"],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "J1",
        "scope": ["read", "update"],
        "client_id": "com.acme/service",
        "client_system_user": "svc",
    }
    claims.update(changes)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None},
        KEY,
        algorithm="RS256",
        headers={"kid": "k1", "typ": typ},
    )


@pytest.fixture
def run() -> Run:
    """`tokenlab ...` in-process through cli.main; stdin may be any text stream."""

    def go(*args: str, stdin: str | io.StringIO = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        source = stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin)
        try:
            code = cli.main(list(args), stdin=source, stdout=out, stderr=err)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return go


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any attempt to open an internet socket or resolve a name is recorded and refused."""
    attempts: list[str] = []
    real_init = socket.socket.__init__

    def guarded_init(self: socket.socket, family: int = -1, *args: Any, **kw: Any) -> None:
        if family in (-1, socket.AF_INET, socket.AF_INET6):
            attempts.append(f"socket({family})")
            raise OSError("network disabled by the test")
        real_init(self, family, *args, **kw)

    def refuse(*args: Any, **kw: Any) -> Any:
        attempts.append(f"resolve/connect {args[:1]}")
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "__init__", guarded_init)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_decode_without_verify_opens_no_socket(run: Run, no_network: list[str]) -> None:
    token = make_token()
    r = run(
        "decode",
        "--authority",
        ISSUER,
        "--audience",
        "DomainAPI",
        "--scope",
        "read update",
        stdin=token,
    )
    assert r.code == 0, r.err
    r = run("decode", "--json", token)
    assert r.code == 0 and json.loads(r.out)["verified"] is False
    assert no_network == []
    # the guard bites: --verify does go to the network
    r = run("decode", "--verify", "--authority", ISSUER, stdin=token)
    assert r.code != 0 and no_network


def test_decode_without_verify_never_imports_httpx(tmp_path: Path) -> None:
    code = (
        "import io, sys\n"
        "from tokenlab.cli import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "code = main(sys.argv[1:], stdin=io.StringIO(''), stdout=out, stderr=err)\n"
        "print(code, 'httpx' in sys.modules)\n"
    )
    env = {**os.environ, "TOKENLAB_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, "decode", "--authority", ISSUER, make_token()],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.split() == ["0", "False"], done.stderr


def test_readable_output_has_header_claims_checks_and_verdict(run: Run) -> None:
    token = make_token()
    r = run("decode", "--authority", ISSUER, "--client-id", "com.acme/service", stdin=token)
    assert r.code == 0 and r.err == ""
    out = r.out
    assert "header   alg=RS256  kid=k1  typ=at+jwt" in out
    assert "client_system_user" in out and "SystemUser" in out
    assert "(in 59 min)" in out or "(in 1 h)" in out
    assert "pass  issuer" in out and "skip  signature" in out and "run again with --verify" in out
    assert "no expected audience; give --audience or --profile" in out  # the remedy as flags
    assert out.rstrip().splitlines()[-1].startswith("result   OK")
    assert token not in out and f"({len(token)} chars)" in out


@pytest.mark.parametrize(
    ("changes", "args", "first"),
    [
        ({"exp": 1_000_000_000, "iat": 999_990_000, "nbf": 999_990_000}, (), "expiry"),
        ({"iss": ISSUER + "/"}, ("--authority", ISSUER), "issuer"),
        ({"iss": "https://id.erp.net/id"}, (), "issuer"),
        ({"scope": ["read"]}, ("--scope", "read", "--scope", "update"), "scope"),
        ({"aud": "TableAPI"}, ("--audience", "DomainAPI"), "audience"),
    ],
)
def test_a_failing_check_exits_1_and_names_it(
    run: Run, changes: dict[str, Any], args: tuple[str, ...], first: str
) -> None:
    token = make_token(**changes)
    r = run("decode", *args, "-", stdin=token)
    assert r.code == 1
    assert f"result   FAIL at {first}:" in r.out
    data = json.loads(run("decode", *args, "--json", token).out)
    assert data["ok"] is False and data["first_failure"]["name"] == first


def test_json_shape(run: Run) -> None:
    token = make_token()
    r = run("decode", "--json", "--authority", ISSUER, stdin=token)
    data = json.loads(r.out)
    assert set(data) >= {
        "token",
        "kind",
        "description",
        "ok",
        "verified",
        "authority",
        "header",
        "claims",
        "claim_table",
        "checks",
        "first_failure",
        "warnings",
        "signature_bytes",
    }
    assert data["kind"] == "jwt" and data["token"].endswith(f"({len(token)} chars)")
    assert [c["name"] for c in data["checks"]][:4] == [
        "format",
        "algorithm",
        "key_source",
        "issuer",
    ]
    assert set(data["checks"][0]) == {"name", "status", "observed", "expected", "reason", "remedy"}
    assert set(data["claim_table"][0]) == {"name", "value", "readable", "note"}
    assert token not in r.out


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        ((), "", "no token on stdin"),
        (("-",), "   \n", "no token on stdin"),
        (("not a token",), "", "space"),
        (("a.b",), "", "2 dot-separated part"),
        (("--kind", "bogus", "x"), "", "invalid choice"),
    ],
)
def test_input_errors_exit_2_with_a_hint(
    run: Run, args: tuple[str, ...], stdin: str, needle: str
) -> None:
    r = run("decode", *args, stdin=stdin)
    assert r.code == 2 and needle in r.err and "hint:" in r.err and r.out == ""


def test_unreadable_stdin_is_an_input_error(run: Run) -> None:
    class Broken(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    r = run("decode", stdin=Broken())
    assert r.code == 2 and "cannot read the token from stdin" in r.err


def test_a_broken_token_is_never_echoed(run: Run) -> None:
    token = make_token()
    broken = token[:-10] + "+" + token[-9:]
    for args in (("decode", broken), ("decode", "--json", broken)):
        r = run(*args)
        assert r.code == 2 and token[:-10] not in r.out + r.err
    error = json.loads(r.out)["error"]
    assert "not base64url" in error["message"] and "standard base64" in error["hint"]


def test_verify_needs_an_authority_and_names_the_tokens_issuer(
    run: Run, no_network: list[str]
) -> None:
    r = run("decode", "--verify", stdin=make_token())
    assert r.code == 2 and "--authority" in r.err and ISSUER in r.err
    assert no_network == []


def test_the_profile_gives_the_expectations(run: Run) -> None:
    profile = new_profile(
        "acme",
        "https://acme.my.erp.net",
        "service-app",
        client_id="com.acme/service",
        scopes=("read", "update"),
        audience="DomainAPI",
    )
    ProfileStore().save(profile)
    r = run("decode", "--profile", "acme", "--json", stdin=make_token(scope=["read"]))
    data = json.loads(r.out)
    checks = {c["name"]: c for c in data["checks"]}
    assert r.code == 1 and data["authority"] == ISSUER
    assert checks["issuer"]["status"] == "pass" and checks["audience"]["status"] == "pass"
    assert checks["client_id"]["status"] == "pass" and checks["scope"]["reason"].startswith(
        "missing update"
    )
    # flags win over the profile
    r = run("decode", "--profile", "acme", "--scope", "read", stdin=make_token(scope=["read"]))
    assert r.code == 0, r.out


def test_opaque_and_reference_tokens_are_explained_offline(run: Run) -> None:
    r = run("decode", "enrt_sandbox_demo_valid_5f3c9a1e2b7d4c60")
    assert r.code == 0 and "platform reference token" in r.out and "introspection" in r.out
    assert "enrt_sandbox_demo_valid_5f3c9a1e2b7d4c60" not in r.out


def test_escape_sequences_in_claims_are_shown_escaped(run: Run) -> None:
    r = run("decode", stdin=make_token(name="\x1b]52;c;ZXZpbA==\x07owned"))
    assert "\x1b" not in r.out and "\x07" not in r.out and "\\x1b" in r.out


def test_compare_lists_differences_with_churn_marked(run: Run) -> None:
    a, b = make_token(jti="A"), make_token(jti="B", scope=["read"])
    r = run("decode", a, "--compare", b)
    assert "expected jti: A -> B" in r.out and "changed  scope" in r.out
    assert a not in r.out and b not in r.out
    data = json.loads(run("decode", a, "--compare", b, "--json").out)
    assert {d["name"] for d in data["compare"]["differences"]} == {"jti", "scope"}

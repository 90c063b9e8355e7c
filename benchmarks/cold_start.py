"""Cold starts: whole `tokenlab` processes, each beside a bare interpreter that does the least
any tool doing the same job must do.

- `tokenlab decode TOKEN` against `python -c "import jwt"`;
- `tokenlab token` (client credentials against a sandbox running in another process) against a
  bare interpreter importing httpx, jwt and cryptography.

Run alone: python benchmarks/cold_start.py [--rounds N]; `benchmarks/run.py` prints them in the
table with the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Figure, interleaved, process_seconds

ROOT = Path(__file__).resolve().parents[1]
TOKENLAB = [sys.executable, "-m", "tokenlab"]
DECODE_BASELINE = [sys.executable, "-c", "import jwt"]
TOKEN_BASELINE = [
    sys.executable,
    "-c",
    "import httpx, jwt, cryptography.hazmat.primitives.asymmetric.rsa",
]
GROUP = "cold start (whole process)"


def compile_bytecode() -> None:
    """tokenlab's modules compiled to bytecode once, as an installed package has them (pip
    compiles on install) and as its baselines' libraries have them: with
    PYTHONDONTWRITEBYTECODE set (as in some CI and container images) a source checkout would
    otherwise be compiled anew in every measured process (~40 ms of tokenlab's cold start)."""
    import compileall

    compileall.compile_dir(ROOT / "tokenlab", quiet=1)


@contextlib.contextmanager
def isolated_env() -> Iterator[dict[str, str]]:
    """The user's environment, with tokenlab's files in a throw-away directory."""
    compile_bytecode()
    with tempfile.TemporaryDirectory() as config, tempfile.TemporaryDirectory() as data:
        yield {
            **os.environ,
            "TOKENLAB_CONFIG_DIR": config,
            "TOKENLAB_DATA_DIR": data,
            "PYTHONPATH": str(ROOT),
        }


@contextlib.contextmanager
def sandbox_process(env: dict[str, str]) -> Iterator[str]:
    """`tokenlab sandbox` in its own process (started once); yields its URL."""
    process = subprocess.Popen(
        [*TOKENLAB, "sandbox", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        if match is None:
            raise SystemExit("the sandbox did not start")
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(10)


def access_token() -> str:
    """A realistic RS256 access token that passes every offline check (exit 0)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": "https://acme.my.erp.net/id",
        "aud": "DomainAPI",
        "client_id": "com.acme/service",
        "scope": ["read", "update"],
        "client_system_user": "svc",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "0123456789abcdef",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})


def decode_figure(rounds: int) -> Figure:
    token = access_token()
    with isolated_env() as env:
        m = interleaved(
            {
                "tokenlab": lambda: process_seconds([*TOKENLAB, "decode", token], env),
                "baseline": lambda: process_seconds(DECODE_BASELINE, env),
            },
            rounds,
        )
    return Figure(
        GROUP,
        "tokenlab decode TOKEN",
        'python -c "import jwt"',
        1.3,
        m["tokenlab"],
        m["baseline"],
    )


def token_figure(rounds: int) -> Figure:
    with isolated_env() as env, sandbox_process(env) as url:
        port = url.rsplit(":", 1)[1]
        subprocess.run(
            [*TOKENLAB, "demo", "--port", port, "--print-profiles"],
            env=env,
            check=True,
            capture_output=True,
        )
        token = [*TOKENLAB, "token", "--profile", "demo-service-app", "-q"]
        m = interleaved(
            {
                "tokenlab": lambda: process_seconds(token, env),
                "baseline": lambda: process_seconds(TOKEN_BASELINE, env),
            },
            rounds,
        )
    return Figure(
        GROUP,
        "tokenlab token (client credentials, sandbox)",
        "python importing httpx, jwt, cryptography",
        1.5,
        m["tokenlab"],
        m["baseline"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    for figure in (decode_figure(rounds), token_figure(rounds)):
        assert figure.tokenlab_s is not None and figure.baseline_s is not None
        print(
            f"{figure.name:<46} {figure.tokenlab_s * 1000:6.0f} ms  "
            f"baseline {figure.baseline_s * 1000:5.0f} ms  {figure.ratio:.2f}x"
        )


if __name__ == "__main__":
    main()

"""Pytest fixtures for the test OpenID provider (``tests/idp/server.mjs``).

The session-scoped ``idp`` fixture writes a start config (clients with fresh random secrets, an
RSA key pair for the ``private_key_jwt`` client, a user, reference tokens), starts
``node tests/idp/server.mjs CONFIG`` on a free loopback port, waits for discovery to answer and
stops the process at the end of the session.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

IDP_DIR = Path(__file__).resolve().parent
SERVER = IDP_DIR / "server.mjs"
INSTALL_HINT = "npm ci --prefix tests/idp"
START_TIMEOUT = 10.0
AUDIENCE = "DomainAPI"
FORBIDDEN_ENTITY_SET = "Systems_Security_Users"  # the resource server's 403 for a good token
LOOPBACK_REDIRECT = "http://127.0.0.1/callback"  # native clients: any port is accepted
POST_LOGOUT_REDIRECT = "http://127.0.0.1/signed-out"

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class TestClient:
    """One registered client (a platform "Trusted Application")."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    name: str
    client_id: str
    secret: str | None
    auth_method: str  # registered token_endpoint_auth_method
    scopes: tuple[str, ...]  # the client's allowed scopes
    grant_types: tuple[str, ...]
    redirect_uri: str | None = None  # hint; any http://127.0.0.1:{port}/callback is accepted
    requires_kid: bool = False  # private_key_jwt: refused (empty 403) without a `kid`


@dataclass(frozen=True)
class TestUser:
    __test__: ClassVar[bool] = False

    username: str
    password: str
    sub: str
    name: str
    email: str


@dataclass(frozen=True)
class ReferenceTokens:
    """Opaque ``enrt_...`` tokens the API accepts (valid) or rejects as revoked."""

    valid: tuple[str, ...]
    revoked: tuple[str, ...]
    read_only: str  # a valid token with only the ``read`` scope


@dataclass(frozen=True)
class TestProvider:
    """A running test identity provider plus resource server."""

    __test__: ClassVar[bool] = False

    base_url: str  # http://127.0.0.1:PORT
    issuer: str  # {base_url}/id
    api_url: str  # {base_url}/api/domain/odata/ (also the resource indicator)
    jose_api_url: str  # {base_url}/jose/api/domain/odata/: the same API behind jose middleware
    audience: str  # `aud` of API access tokens
    user: TestUser
    clients: Mapping[str, TestClient]
    private_key_path: Path  # PEM (PKCS#8) of the private_key_jwt client
    private_key_kid: str
    reference_tokens: ReferenceTokens
    startup_seconds: float
    _http: httpx.Client = field(repr=False, compare=False)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/connect/token"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/connect/authorize"

    @property
    def device_authorization_endpoint(self) -> str:
        return f"{self.issuer}/connect/deviceauthorization"

    def token_requests(self) -> list[dict[str, Any]]:
        """Recorded token requests, oldest first: time, client_id, grant_type, auth_method
        (the method the client really used), status, error. Never secrets."""
        response = self._http.get(f"{self.base_url}/test/token-requests")
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()
        return records

    def last_token_request(self, client_id: str | None = None) -> dict[str, Any]:
        records = [
            r for r in self.token_requests() if client_id is None or r["client_id"] == client_id
        ]
        if not records:
            raise LookupError(f"no token request recorded for {client_id!r}")
        return records[-1]

    def clear_token_requests(self) -> None:
        self._http.delete(f"{self.base_url}/test/token-requests").raise_for_status()

    def mint_token(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        expires_in: int = 3600,
        omit: tuple[str, ...] = (),
        typ: str = "at+jwt",
        unpublished_key: bool = False,
    ) -> str:
        """An access token signed with the provider's own key, with claims overridden.

        Defaults: this issuer, audience ``DomainAPI``, ``scope: ["read"]``. A negative
        ``expires_in`` gives an expired token; ``claims={"iss": ...}`` a wrong issuer;
        ``unpublished_key`` signs with a key the JWKS does not list (its ``kid`` is unknown).
        """
        spec: dict[str, Any] = {
            "claims": dict(claims or {}),
            "expires_in": expires_in,
            "omit": omit,
            "typ": typ,
        }
        if unpublished_key:
            spec["signed_by"] = "unpublished"
        response = self._http.post(f"{self.base_url}/test/mint-token", json=spec)
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


_startup_times: list[float] = []  # reported in the terminal summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for seconds in _startup_times:
        terminalreporter.write_line(f"test identity provider started in {seconds:.2f} s")


def _client_metadata(client: TestClient, public_jwk: dict[str, Any] | None) -> dict[str, Any]:
    """oidc-provider client metadata for one test client."""
    interactive = "authorization_code" in client.grant_types
    metadata: dict[str, Any] = {
        "client_id": client.client_id,
        "token_endpoint_auth_method": client.auth_method,
        "grant_types": list(client.grant_types),
        "scope": " ".join(client.scopes),
        "response_types": [],
        "redirect_uris": [],
        # native: RFC 8252 loopback redirects, any port (the platform matches exactly).
        "application_type": "native",
    }
    if client.secret is not None:
        metadata["client_secret"] = client.secret
    if public_jwk is not None:
        metadata["jwks"] = {"keys": [public_jwk]}
    if client.requires_kid and public_jwk is not None:
        # two keys, so the provider must pick by kid; the gateway refuses an assertion without one
        metadata["jwks"] = {"keys": [_decoy_jwk(), public_jwk]}
        metadata["require_kid"] = True
    if interactive:
        metadata["redirect_uris"] = [LOOPBACK_REDIRECT, "http://localhost/callback"]
        metadata["post_logout_redirect_uris"] = [POST_LOGOUT_REDIRECT]
        metadata["response_types"] = (
            ["code", "code id_token"] if client.auth_method != "none" else ["code"]
        )
    return metadata


def _decoy_jwk() -> dict[str, Any]:
    """A second public key in a client's JWKS, whose private half nobody has."""
    decoy = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(decoy.public_key(), as_dict=True)
    jwk.update(kid="decoy-" + secrets.token_hex(4), use="sig", alg="RS256")
    return jwk


def _make_clients() -> dict[str, TestClient]:
    def secret() -> str:
        return secrets.token_urlsafe(24)

    api = ("read", "update")
    user_scopes = ("openid", "profile", "offline_access", *api)
    cases = [
        TestClient(
            "service_basic",
            "com.test/service",
            secret(),
            "client_secret_basic",
            api,
            ("client_credentials",),
        ),
        TestClient(
            "service_post",
            "com.test/service-post",
            secret(),
            "client_secret_post",
            api,
            ("client_credentials",),
        ),
        TestClient(
            "service_jwt",
            "com.test/service-jwt",
            None,
            "private_key_jwt",
            api,
            ("client_credentials",),
        ),
        TestClient(  # behind a gateway that routes assertions by kid
            "service_jwt_kid",
            "com.test/service-jwt-kid",
            None,
            "private_key_jwt",
            api,
            ("client_credentials",),
            requires_kid=True,
        ),
        TestClient(
            "web",
            "com.test/web",
            secret(),
            "client_secret_basic",
            user_scopes,
            ("authorization_code", "refresh_token"),
            LOOPBACK_REDIRECT,
        ),
        TestClient(
            "spa",
            "com.test/spa",
            None,
            "none",
            ("openid", "profile", *api),
            ("authorization_code",),
            LOOPBACK_REDIRECT,
        ),
        TestClient(
            "device", "com.test/device", None, "none", user_scopes, (DEVICE_GRANT, "refresh_token")
        ),
        TestClient(  # the web portal: signs users in, and calls the API as itself
            "portal",
            "com.test/portal",
            secret(),
            "client_secret_basic",
            ("openid", "profile", *api),
            ("authorization_code", "client_credentials"),
            LOOPBACK_REDIRECT,
        ),
        TestClient(
            "readonly",
            "com.test/readonly",
            secret(),
            "client_secret_basic",
            ("read",),
            ("client_credentials",),
        ),
    ]
    return {c.name: c for c in cases}


def _fail_with_log(message: str, proc: subprocess.Popen[bytes], stderr_path: Path) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=5)
    log = stderr_path.read_text(errors="replace").strip()
    pytest.fail(f"{message}\n--- server stderr ---\n{log or '(empty)'}", pytrace=False)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestProvider]:
    """Start the test identity provider once per session."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            f"node is not on PATH; the identity provider tests need Node.js 20+ and "
            f"`{INSTALL_HINT}`",
            pytrace=False,
        )
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            f"tests/idp/node_modules is missing; install it with `{INSTALL_HINT}`", pytrace=False
        )

    workdir = tmp_path_factory.mktemp("idp")
    clients = _make_clients()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_key_path = workdir / "service-jwt.key.pem"
    private_key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    kid = "service-jwt-" + secrets.token_hex(4)
    public_jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public_jwk.update(kid=kid, use="sig", alg="RS256")

    user = TestUser(
        username="tester",
        password="pw-" + secrets.token_urlsafe(12),
        sub="9a1c0e1e-0000-4000-8000-000000000042",
        name="Test User",
        email="tester@example.test",
    )
    ref = ReferenceTokens(
        valid=("enrt_" + secrets.token_urlsafe(24),),
        revoked=("enrt_" + secrets.token_urlsafe(24),),
        read_only="enrt_" + secrets.token_urlsafe(24),
    )
    config = {
        "port": 0,
        "audience": AUDIENCE,
        "device_code_ttl": 60,
        "device_interval": 1,
        "user": {
            "username": user.username,
            "password": user.password,
            "sub": user.sub,
            "name": user.name,
            "email": user.email,
        },
        "clients": [
            _client_metadata(c, public_jwk if c.auth_method == "private_key_jwt" else None)
            for c in clients.values()
        ],
        "reference_tokens": {
            "valid": [{"token": t, "scopes": ["read", "update"]} for t in ref.valid]
            + [{"token": ref.read_only, "scopes": ["read"]}],
            "revoked": list(ref.revoked),
        },
    }
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config, indent=2))
    stdout_path = workdir / "stdout.log"
    stderr_path = workdir / "stderr.log"

    started = time.monotonic()
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            [node, str(SERVER), str(config_path)],
            cwd=IDP_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
    http = httpx.Client(timeout=5.0)
    try:
        base_url = _wait_until_ready(proc, stdout_path, stderr_path, http, started)
        startup = time.monotonic() - started
        _startup_times.append(startup)
        yield TestProvider(
            base_url=base_url,
            issuer=f"{base_url}/id",
            api_url=f"{base_url}/api/domain/odata/",
            jose_api_url=f"{base_url}/jose/api/domain/odata/",
            audience=AUDIENCE,
            user=user,
            clients=MappingProxyType(clients),
            private_key_path=private_key_path,
            private_key_kid=kid,
            reference_tokens=ref,
            startup_seconds=startup,
            _http=http,
        )
    finally:
        http.close()
        _stop(proc)


def _wait_until_ready(
    proc: subprocess.Popen[bytes],
    stdout_path: Path,
    stderr_path: Path,
    http: httpx.Client,
    started: float,
) -> str:
    """Poll for the READY line, then for discovery; fail with the server log on timeout."""
    base_url: str | None = None
    while time.monotonic() - started < START_TIMEOUT:
        if proc.poll() is not None:
            _fail_with_log(
                f"test identity provider exited with {proc.returncode}", proc, stderr_path
            )
        if base_url is None:
            for line in stdout_path.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    base_url = line.split(" ", 1)[1].strip()
        if base_url is not None:
            try:
                response = http.get(f"{base_url}/id/.well-known/openid-configuration")
                if response.status_code == 200:
                    return base_url
            except httpx.TransportError:
                pass
        time.sleep(0.02)
    _fail_with_log(
        f"test identity provider did not answer discovery within {START_TIMEOUT:.0f} s",
        proc,
        stderr_path,
    )
    raise AssertionError("unreachable")  # pytest.fail raises

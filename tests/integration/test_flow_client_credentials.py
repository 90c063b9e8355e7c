"""client_credentials end to end against the real provider and the sandbox, with its failures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from keyring.backends import fail

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.events import (
    Bus,
    FlowFailed,
    FlowFinished,
    FlowStarted,
    HttpExchange,
    Notice,
    TokenIssued,
)
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.sandbox import Sandbox, TrustedApplication, demo_catalog


async def run(profile: Profile, store: SecretStore, bus: Bus | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return await run_flow(profile, secrets=store, bus=bus or Bus(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", ["service_basic", "service_post", "service_jwt"])
async def test_each_client_auth_method_against_the_real_provider(
    idp: TestProvider, case: str
) -> None:
    profile, store = idp_profile(idp, case)
    bus = Bus()
    with bus.collect() as events:
        result = await run(profile, store, bus)
    claims = jwt.decode(result.api_token.access_token, options={"verify_signature": False})
    assert claims["iss"] == idp.issuer and claims["client_id"] == profile.client_id
    assert jwt.get_unverified_header(result.api_token.access_token)["typ"] == "at+jwt"
    assert set(result.api_token.scope) == {"read", "update"}
    # the provider recorded which authentication tokenlab really used
    assert idp.last_token_request(profile.client_id)["auth_method"] == profile.auth_method
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["FlowStarted", "HttpExchange", "HttpExchange", "TokenIssued", "FlowFinished"]
    token_post = events[2]
    assert (
        isinstance(token_post, HttpExchange)
        and token_post.method == "POST"
        and token_post.status == 200
    )
    assert isinstance(events[-1], FlowFinished) and events[-1].ok
    secret = idp.clients[case].secret
    everything = repr(events)
    assert result.api_token.access_token not in everything
    if secret:
        assert secret not in everything


async def test_sandbox_service_app_gets_a_platform_token(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-service-app")
    result = await run(profile, store)
    claims = jwt.decode(result.api_token.access_token, options={"verify_signature": False})
    assert claims["scope"] == ["read", "update"] and claims["client_system_user"]
    assert result.api_token.expires_in == 3600 and result.api_token.refresh_token is None


def _ec_key(tmp_path: Path, passphrase: bytes | None) -> tuple[Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    path = tmp_path / "client.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


async def test_private_key_jwt_with_an_encrypted_ec_key_and_its_passphrase(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    key_path, public_pem = _ec_key(tmp_path, b"key-pass-CANARY")
    sandbox.register(
        TrustedApplication(
            "com.test/jwt-ec", system_user_allowed=True, system_user="svc", public_key=public_pem
        )
    )
    profile = new_profile(
        "jwt-ec",
        sandbox.url,
        "service-app",
        client_id="com.test/jwt-ec",
        auth_method="private_key_jwt",
        key_path=str(key_path),
    )
    store = SecretStore(env={})
    with pytest.raises(TokenlabError) as err:
        await run(profile, store)
    assert "encrypted" in err.value.message and "TOKENLAB_KEY_PASSPHRASE" in err.value.hint
    shown = hint_with_remedy(err.value.hint, err.value.remedy)
    assert f"tokenlab secret set {profile.name} --kind key-passphrase" in shown
    store.remember(profile.name, SecretKind.KEY_PASSPHRASE, "key-pass-CANARY")
    bus = Bus()
    with bus.collect(HttpExchange) as events:
        result = await run(profile, store, bus)
    assert result.api_token.access_token
    body = events[-1].request_body  # type: ignore[attr-defined]
    assert "client_assertion=eyJ" in body and "…" in body  # sent, and masked in the record
    assert "key-pass-CANARY" not in repr(events)


@pytest.mark.parametrize(
    ("name", "error", "needle"),
    [
        ("demo-disabled", "invalid_client", "IsEnabled"),
        ("demo-no-system-user", "unauthorized_client", "SystemUserAllowed"),
        ("demo-scope-not-allowed", "invalid_scope", "'update'"),
    ],
)
async def test_each_broken_trusted_application_is_explained(
    sandbox: Sandbox, name: str, error: str, needle: str
) -> None:
    profile, store = sandbox_profile(sandbox, name)
    bus = Bus()
    with bus.collect(FlowFailed, FlowFinished) as events, pytest.raises(TokenEndpointError) as err:
        await run(profile, store, bus)
    assert err.value.error == error
    assert needle in err.value.message + err.value.hint
    assert [type(e) for e in events] == [FlowFailed, FlowFinished]
    assert not events[1].ok  # type: ignore[attr-defined]


async def test_wrong_secret_and_unknown_client_are_invalid_client(
    idp: TestProvider, sandbox: Sandbox
) -> None:
    profile, store = idp_profile(idp, "service_basic")
    store.remember(profile.name, SecretKind.CLIENT_SECRET, "wrong-secret-value")
    with pytest.raises(TokenEndpointError) as err:
        await run(profile, store)
    assert err.value.error == "invalid_client" and "secret" in err.value.hint
    assert "wrong-secret-value" not in str(err.value)
    unknown, store = sandbox_profile(sandbox, "demo-service-app", client_id="com.nobody/app")
    with pytest.raises(TokenEndpointError) as err:
        await run(unknown, store)
    assert err.value.error == "invalid_client" and "exists" in err.value.hint


async def test_scope_not_allowed_names_the_scope_on_the_real_provider(idp: TestProvider) -> None:
    profile, store = idp_profile(idp, "readonly", scopes=("read", "update"))
    with pytest.raises(TokenEndpointError) as err:
        await run(profile, store)
    assert err.value.error == "invalid_scope"


async def test_a_global_authority_is_refused_before_anything_is_sent(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-global-authority")
    bus = Bus()
    with bus.collect() as events, pytest.raises(TokenlabError) as err:
        await run(profile, store, bus)
    assert (
        "global authority" in err.value.message
        and "never issues access tokens" in err.value.message
    )
    assert not [e for e in events if isinstance(e, HttpExchange)]
    # the remedy: the instance's own authority, set on this profile
    assert err.value.remedy == remedy(
        RemedyKind.FIX_AUTHORITY, url=f"{sandbox.url}/id", profile=profile.name
    )
    shown = hint_with_remedy(err.value.hint, err.value.remedy)
    assert f"tokenlab profiles edit {profile.name} --authority {sandbox.url}/id" in shown
    # asked for anyway, the sign-in token comes back, with the warning on the bus
    with bus.collect(Notice) as notices:
        result = await run(profile, store, bus, options=FlowOptions(allow_global_authority=True))
    assert jwt.decode(result.api_token.access_token, options={"verify_signature": False})[
        "iss"
    ].endswith("/global/id")
    assert [n.topic for n in notices if "global authority" in n.message] == ["authority"]  # type: ignore[attr-defined]


async def test_legacy_and_protocol_scopes_are_warned_about(sandbox: Sandbox) -> None:
    profile, store = sandbox_profile(sandbox, "demo-service-app", scopes=("openid", "read"))
    bus = Bus()
    with bus.collect(Notice, HttpExchange) as events:
        await run(profile, store, bus)
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert any("protocol scopes openid" in m for m in notices)
    token_body = [e for e in events if isinstance(e, HttpExchange)][-1].request_body
    assert "scope=read" in token_body and "openid" not in token_body
    legacy, store = sandbox_profile(sandbox, "demo-service-app", scopes=("DomainApi",))
    with bus.collect(Notice) as notices2, pytest.raises(TokenEndpointError):
        await run(legacy, store, bus)
    [warned] = [n for n in notices2 if "legacy" in n.message]  # type: ignore[attr-defined]
    # the remedy removes the legacy scope from the profile, never adds it anywhere
    assert warned.remedy == remedy(
        RemedyKind.SET_PROFILE_FIELD, profile=legacy.name, field="scopes", example="'read'"
    )
    assert f"tokenlab profiles edit {legacy.name} --scope 'read'" in hint_with_remedy(
        warned.hint, warned.remedy
    )


class _HtmlTokenEndpoint(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}/id"
        doc = {
            "issuer": base,
            "token_endpoint": f"{base}/connect/token",
            "jwks_uri": f"{base}/jwks",
        }
        self._send(200, "application/json", json.dumps(doc).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "empty" in self.path:
            self._send(502, "text/plain", b"")
        else:
            self._send(
                502,
                "text/html",
                b"<html><head><title>502 Bad Gateway</title></head><body>proxy</body></html>",
            )


@pytest.fixture
def html_idp() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlTokenEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_an_html_error_page_from_the_token_endpoint_is_explained(html_idp: str) -> None:
    profile = new_profile("html", html_idp, "service-app", client_id="com.x/y")
    store = SecretStore(env={})
    store.remember("html", SecretKind.CLIENT_SECRET, "s3cret-value")
    with pytest.raises(TokenEndpointError) as err:
        await run(profile, store)
    assert "HTML page titled '502 Bad Gateway'" in err.value.message and "proxy" in err.value.hint


def test_cli_token_prints_the_token_and_a_masked_trace(cli: object, sandbox: Sandbox) -> None:
    port = sandbox.url.rsplit(":", 1)[1]
    assert cli("demo", "--port", port, "--print-profiles").code == 0  # type: ignore[operator]
    r = cli("token", "--profile", "demo-service-app")  # type: ignore[operator]
    assert r.code == 0, r.err
    token = r.out.strip()
    assert token.count(".") == 2 and token not in r.err
    assert "POST" in r.err and "/id/connect/token" in r.err and "token issued" in r.err
    data = json.loads(cli("token", "--profile", "demo-service-app", "--json", "-q").out)  # type: ignore[operator]
    assert (
        data["ok"]
        and data["api_token"]["expires_in"] == 3600
        and data["api_token"]["access_token"].count(".") == 2
    )
    r = cli("token", "--profile", "demo-disabled")  # type: ignore[operator]
    assert r.code == 1 and "invalid_client" in r.err and "hint:" in r.err and r.out == ""
    r = cli("token", "--profile", "demo-disabled", "--json", "-q")  # type: ignore[operator]
    assert r.code == 1 and json.loads(r.out)["error"]["error"] == "invalid_client"
    r = cli("token", "--profile", "demo-global-authority")  # type: ignore[operator]
    assert r.code == 1 and "global authority" in r.err


def test_cli_token_with_secret_on_stdin(cli: object, idp: TestProvider) -> None:
    client = idp.clients["service_post"]
    assert (
        cli(
            "profiles",
            "add",
            "svc",
            "--instance",
            idp.base_url,
            "--scenario",
            "service-app",
            "--client-id",
            client.client_id,
            "--auth-method",
            "client_secret_post",
        ).code
        == 0
    )  # type: ignore[operator]
    r = cli("token", "--profile", "svc", "-q")  # type: ignore[operator]
    assert r.code == 2 and "no client-secret" in r.err and "--secret-stdin" in r.err
    r = cli("token", "--profile", "svc", "--secret-stdin", stdin=f"{client.secret}\n")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert client.secret not in r.err + r.out


def test_events_flow_in_order_with_one_run_id(sandbox: Sandbox) -> None:
    import asyncio

    profile, store = sandbox_profile(sandbox, "demo-service-app")
    bus = Bus()
    with bus.collect() as events:
        asyncio.run(run(profile, store, bus))
    assert len({e.run_id for e in events}) == 1
    assert isinstance(events[0], FlowStarted) and isinstance(events[-2], TokenIssued)
    assert [e.at for e in events] == sorted(e.at for e in events)


async def test_an_auth_method_the_provider_does_not_list_is_warned_about(sandbox: Sandbox) -> None:
    from tokenlab.core.authority import Discovery
    from tokenlab.core.flows.preflight import support_findings

    profile, _ = sandbox_profile(sandbox, "demo-service-app")
    doc = Discovery(
        "x",
        {
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        },
    )
    messages = [f.message for f in support_findings(doc, profile, "client-credentials")]
    assert any("grant client_credentials" in m for m in messages)
    assert any("client auth method client_secret_basic" in m for m in messages)
    real = Discovery(
        "x",
        {
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        },
    )
    assert support_findings(real, profile, "client-credentials") == []


def test_cli_says_once_that_there_is_no_keyring_and_how_to_give_secrets(
    cli: object, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())  # conftest restores the previous backend
    demo = {d.name: d for d in demo_catalog(sandbox.url)}["demo-service-app"]
    assert demo.client_id and demo.public_secret
    add = ("profiles", "add", "svc", "--instance", sandbox.url, "--scenario", "service-app")
    assert cli(*add, "--client-id", demo.client_id).code == 0  # type: ignore[operator]
    monkeypatch.setenv("TOKENLAB_CLIENT_SECRET", demo.public_secret)
    r = cli("token", "--profile", "svc")  # type: ignore[operator]
    assert r.code == 0, r.err
    assert r.err.count("no usable keyring") == 1
    assert "TOKENLAB_CLIENT_SECRET" in r.err and "--secret-stdin" in r.err
    assert demo.public_secret not in r.err + r.out

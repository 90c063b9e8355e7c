"""`doctor --share`: canary secrets and canary personal data through every demo scenario of the
sandbox; none of them may reach the bundle (Markdown or JSON), and what support needs stays."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest

from tests.idp.fixtures import TestProvider
from tests.sandbox_fixtures import TEST_SETTINGS, sign_in
from tests.support.targets import idp_profile, sandbox_profile
from tokenlab.core.doctor import DoctorRun, run_doctor
from tokenlab.core.events import Bus, UserActionRequired
from tokenlab.core.flow_options import FlowOptions
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretKind, SecretStore
from tokenlab.core.share import Pseudonyms, share_bundle, share_markdown, share_text
from tokenlab.sandbox import Sandbox, Settings, demo_catalog
from tokenlab.sandbox.registrations import SERVICE_APP, User, hash_secret

pytestmark = pytest.mark.slow

SECRET = "CANARY+/= é-sh4re-c1i3nt-5ecret"
CANARY_APP = "com.canary/sh4re-service"
SYSTEM_USER = "CANARY.system-user-9k"
USER = User(
    username="canary.user-7q",
    password="CANARY-pa55w0rd-7q",
    id="CANARY-sub-3f9a1c5e",
    name="Canary Quill Person",
    email="canary.quill@example.test",
)
PERSONAL = (USER.username, USER.id, USER.name, USER.email, SYSTEM_USER)
# What the canaries put into the token of the scenarios that get one with them.
FED = {
    "demo-web-app": {"sub": USER.id, "email": USER.email, "name": USER.name},
    "demo-spa": {"sub": USER.id},
    "demo-service-app": {"client_id": CANARY_APP, "client_system_user": SYSTEM_USER},
}


@pytest.fixture(scope="module")
def canary_sandbox() -> Iterator[Sandbox]:
    with Sandbox.running_in_thread(port=0, settings=Settings(**TEST_SETTINGS)) as sb:
        sb.instance.users[USER.username] = USER
        service = sb.apps[SERVICE_APP]
        sb.register(
            replace(
                service,
                application_uri=CANARY_APP,
                secret_hash=hash_secret(SECRET),
                system_user=SYSTEM_USER,
            )
        )
        yield sb


def forms(secret: str) -> set[str]:
    """A secret as it must never be seen: whole, URL- and JSON-encoded, any 10 characters."""
    found = {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}
    return found | {secret[i : i + 10] for i in range(len(secret) - 9)}


class Browser:
    """Signs in as the canary user when the flow asks for a pasted redirect address."""

    def __init__(self, bus: Bus) -> None:
        self.urls: list[str] = []
        bus.subscribe(
            lambda e: self.urls.append(e.url) if isinstance(e, UserActionRequired) else None
        )

    async def paste(self, prompt: str) -> str:
        def browse() -> str:
            with httpx.Client() as client:
                landed = sign_in(client, self.urls[-1], USER.username, USER.password)
            sep = "#" if landed.mode == "fragment" else "?"
            return f"{landed.target}{sep}{urlencode(landed.params)}"

        return await asyncio.to_thread(browse)


def doctor(sb: Sandbox, name: str) -> tuple[DoctorRun, set[str]]:
    """One demo profile's doctor run with the canaries in, and every live secret it saw."""
    profile, store = sandbox_profile(sb, name)
    secrets: set[str] = {SECRET, USER.password}
    # the user's name in a URL: the probe path names the canary user
    probe = replace(profile.probe, path=f"{profile.probe.path}&login_hint={USER.username}")
    profile = replace(profile, probe=probe)
    if profile.scenario == "service-app" and profile.client_id == SERVICE_APP:
        profile = replace(profile, client_id=CANARY_APP, public_secret="")
        store.remember(profile.name, SecretKind.CLIENT_SECRET, SECRET)
    if profile.scenario == "automation":
        reference = sb.add_reference_token(owner=USER.username).token
        profile = replace(profile, public_reference_token="")
        store.remember(profile.name, SecretKind.REFERENCE_TOKEN, reference)
        secrets.add(reference)
    bus = Bus()
    browser = Browser(bus)
    options = FlowOptions(finish="paste", paste=browser.paste, open_browser=False, wait_timeout=20)
    run = asyncio.run(run_doctor(profile, secrets=store, bus=bus, options=options))
    if run.facts.flow is not None:
        for issued in (run.facts.flow.api_token, run.facts.flow.identity):
            if issued is not None:
                secrets |= {t for t in (issued.refresh_token, issued.access_token) if t}
                secrets |= {t for t in (issued.id_token,) if t}
    return run, secrets


def assert_clean(text: str, secrets: set[str], where: str) -> None:
    for secret in secrets:
        for form in forms(secret) if len(secret) < 200 else {secret, secret.rsplit(".", 1)[-1]}:
            assert form not in text, f"{where}: a secret ({form[:4]}…) reached the bundle"
    for value in PERSONAL:
        assert value.lower() not in text.lower(), f"{where}: {value!r} reached the bundle"


@pytest.mark.parametrize("name", [d.name for d in demo_catalog("http://x")])
def test_no_canary_reaches_the_bundle(canary_sandbox: Sandbox, name: str, tmp_path: Path) -> None:
    run, secrets = doctor(canary_sandbox, name)
    bundle = share_bundle(run, SecretStore(env={}).redactor)
    text_json = share_text(bundle, "json", SecretStore(env={}).redactor)
    text_md = share_text(bundle, "md", SecretStore(env={}).redactor)
    assert_clean(text_json, secrets, "json")
    assert_clean(text_md, secrets, "md")
    fed = FED.get(name)
    if fed is not None:  # the canaries really went through this scenario
        assert run.facts.token is not None, run.diagnosis
        claims = run.facts.token.token.claims
        assert all(claims.get(k) == v for k, v in fed.items()), claims
    assert text_md.startswith(f"# Support bundle: {name}")
    assert "signature dropped" in text_md and "HMAC-SHA256" in text_md
    data = json.loads(text_json)
    assert data["share"]["format"] == "tokenlab.doctor.share/1" and data["share"]["redactions"]
    assert all(t["status"] is None or isinstance(t["status"], int) for t in data["trace"])
    token = data.get("token")
    if token and token["kind"] == "jwt":  # what support needs is kept
        claims = token["claims"]
        for kept in ("iss", "aud", "scope", "exp", "iat", "client_id"):
            assert kept in claims and claims[kept] and not str(claims[kept]).startswith("sub:")
        assert {"alg", "kid", "typ"} <= set(token["header"])
        assert data["token_unsigned"].endswith(".<dropped>")
        assert data["token_unsigned"].count(".") == 2
        if "sub" in claims:
            assert re.fullmatch(r"sub:[0-9a-f]{8}", claims["sub"])
        assert claims["client_id"] in text_md
    if data.get("probe"):
        assert f"HTTP {data['probe']['status']}" in text_md


def test_the_same_value_gets_the_same_hash_within_a_bundle_only(canary_sandbox: Sandbox) -> None:
    run, _ = doctor(canary_sandbox, "demo-web-app")
    first = share_bundle(run, SecretStore(env={}).redactor, pseudonyms=Pseudonyms(b"k" * 16))
    claims = first["token"]["claims"]
    sub = claims["sub"]
    assert re.fullmatch(r"sub:[0-9a-f]{8}", sub)
    assert json.dumps(first).count(sub) >= 2  # the claim, and the same user wherever named
    again = share_bundle(run, SecretStore(env={}).redactor, pseudonyms=Pseudonyms(b"k" * 16))
    assert again["token"]["claims"]["sub"] == sub  # stable for the same key
    other = share_bundle(run, SecretStore(env={}).redactor)  # a new random key
    assert other["token"]["claims"]["sub"] != sub
    assert re.fullmatch(r"email:[0-9a-f]{8}", claims["email"])
    assert re.fullmatch(r"name:[0-9a-f]{8}", claims["name"])


def test_correlation_ids_are_kept(canary_sandbox: Sandbox) -> None:
    run, _ = doctor(canary_sandbox, "demo-api-forbidden")
    ids = (("X-Correlation-Id", "c0ffee-42"), ("traceparent", "00-4bf92f35-00f067aa-01"))
    exchanges = [replace(e, response_headers=(*e.response_headers, *ids)) for e in run.exchanges]
    bundle = share_bundle(replace(run, exchanges=exchanges), SecretStore(env={}).redactor)
    assert all(t["correlation_ids"]["x-correlation-id"] == "c0ffee-42" for t in bundle["trace"])
    md = share_markdown(bundle, SecretStore(env={}).redactor)
    assert "x-correlation-id: c0ffee-42" in md and "traceparent: 00-4bf92f35-00f067aa-01" in md
    assert [t["status"] for t in bundle["trace"]][-1] == 403


def test_cli_doctor_share_writes_markdown_and_json(
    canary_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from tokenlab import cli
    from tokenlab.commands.demo_cmd import write_demo_profiles

    write_demo_profiles(ProfileStore(), canary_sandbox.url)
    for suffix in ("md", "json"):
        path = tmp_path / f"bundle.{suffix}"
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(
            ["doctor", "-p", "demo-api-forbidden", "--share", str(path)],
            stdin=io.StringIO(""), stdout=out, stderr=err,
        )  # fmt: skip
        assert code == 1 and f"share bundle written to {path}" in err.getvalue()
        text = path.read_text()
        assert "com.tokenlab.demo/no-permission" in text  # client_id kept
        if suffix == "json":
            assert json.loads(text)["probe"]["status"] == 403
        else:
            assert text.startswith("# Support bundle: demo-api-forbidden")
    bad = io.StringIO()
    code = cli.main(
        ["doctor", "-p", "demo-api-forbidden", "--share", str(tmp_path / "b.txt")],
        stdin=io.StringIO(""), stdout=io.StringIO(), stderr=bad,
    )  # fmt: skip
    assert code == 2 and "FILE.md or FILE.json" in bad.getvalue()


@pytest.mark.idp
def test_idp_bundle_keeps_what_support_needs_and_no_secret(idp: TestProvider) -> None:
    profile, store = idp_profile(idp, "service_basic")
    secret = idp.clients["service_basic"].secret
    assert secret
    run = asyncio.run(run_doctor(profile, secrets=store, bus=Bus()))
    assert run.facts.token is not None
    bundle = share_bundle(run, store.redactor)
    for fmt in ("json", "md"):
        text = share_text(bundle, fmt, store.redactor)
        assert_clean(text, {secret, run.facts.token.token.token}, fmt)
        assert idp.issuer in text and profile.client_id in text
    claims = bundle["token"]["claims"]
    assert claims["iss"] == idp.issuer and "scope" in claims
    assert bundle["token_unsigned"].endswith(".<dropped>")

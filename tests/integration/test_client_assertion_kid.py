"""private_key_jwt against a provider that picks the client's key by `kid`, and the assertion's
audience as a choice (token endpoint or issuer)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import RemedyKind
from tokenlab.core.events import Bus
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.flows.token_endpoint import load_signing_key
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretStore

SUSPECTS = ("kid", "aud", "RS256", "clock")


async def _run(profile: Profile, store: SecretStore):  # type: ignore[no-untyped-def]
    return await run_flow(profile, secrets=store, bus=Bus())


@pytest.mark.idp
async def test_a_provider_that_picks_by_kid_refuses_without_and_accepts_with_the_key_id(
    idp: TestProvider,
) -> None:
    profile, store = idp_profile(idp, "service_jwt_kid")
    with pytest.raises(TokenEndpointError) as err:
        await _run(profile, store)
    refused = err.value
    assert refused.status == 403 and refused.cause == "client-assertion-refused"
    said = refused.message + " " + refused.hint
    assert all(word in said for word in SUSPECTS), said
    assert "proxy" not in said and "firewall" not in said and "eyJ" not in said
    assert "it carried no kid" in refused.hint
    assert refused.remedy is not None and refused.remedy.kind is RemedyKind.SET_PROFILE_FIELD
    assert refused.remedy.get("field") == "key_id"
    assert "--key-id" in hint_with_remedy(refused.hint, refused.remedy)
    assert idp.last_token_request(profile.client_id)["assertion_kid"] is None

    with_kid, store = idp_profile(idp, "service_jwt_kid", key_id=idp.private_key_kid)
    result = await _run(with_kid, store)
    assert result.api_token.access_token
    sent = idp.last_token_request(profile.client_id)
    assert sent["status"] == 200 and sent["assertion_kid"] == idp.private_key_kid


@pytest.mark.idp
async def test_a_wrong_key_id_is_invalid_client_and_names_the_kid(idp: TestProvider) -> None:
    profile, store = idp_profile(idp, "service_jwt_kid", key_id="not-the-kid")
    with pytest.raises(TokenEndpointError) as err:
        await _run(profile, store)
    assert err.value.error == "invalid_client" and err.value.cause == "client-assertion-refused"
    assert "it carried kid 'not-the-kid'" in err.value.hint
    assert "secret" not in err.value.hint  # not the secret client's words


@pytest.mark.idp
@pytest.mark.parametrize("choice", ["token_endpoint", "issuer"])
async def test_the_assertion_audience_is_the_token_endpoint_or_the_issuer(
    idp: TestProvider, choice: str
) -> None:
    profile, store = idp_profile(idp, "service_jwt", assertion_audience=choice)
    await _run(profile, store)
    expected = idp.issuer if choice == "issuer" else idp.token_endpoint
    assert idp.last_token_request(profile.client_id)["assertion_aud"] == expected


def _certificate(key_path: Path, directory: Path) -> Path:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tokenlab test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    path = directory / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.mark.idp
async def test_a_certificate_keeps_x5t_and_the_key_id_is_added(
    idp: TestProvider, tmp_path: Path
) -> None:
    cert = _certificate(idp.private_key_path, tmp_path)
    profile, store = idp_profile(
        idp, "service_jwt_kid", key_id=idp.private_key_kid, cert_path=str(cert)
    )
    async with httpx.AsyncClient() as client:
        ctx = FlowContext(profile, store, Bus(), "t", client)
        _, alg, header = load_signing_key(ctx)
    assert alg == "RS256" and header["kid"] == idp.private_key_kid and "x5t#S256" in header
    result = await _run(profile, store)  # and the provider takes it
    assert jwt.decode(result.api_token.access_token, options={"verify_signature": False})

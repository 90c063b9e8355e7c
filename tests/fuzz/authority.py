"""An identity service in memory: the fuzz targets put generated answers behind tokenlab's own
HTTP client (`build_client` with a transport), so every answer goes the whole way a real one
does: the recorder, the masking, the parsing, the checks.

The transport refuses what a real one refuses (no http(s) scheme, no host) with the error httpx
raises for it, so a hostile endpoint URL in a document is judged as it would be on the network.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tokenlab.core.events import Bus
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.redact import Redactor

T = TypeVar("T")

AUTHORITY = "https://acme.example/id"
INSTANCE = "https://acme.example"
DISCOVERY_PATH = "/id/.well-known/openid-configuration"
JWKS_PATH = "/id/jwks"
TOKEN_PATH = "/id/connect/token"
AUTO_DISCOVERY_PATH = "/sys/auto-discovery"

Answer = tuple[int, Mapping[str, str], bytes]

GOOD_DISCOVERY: dict[str, Any] = {
    "issuer": AUTHORITY,
    "token_endpoint": f"{AUTHORITY}/connect/token",
    "jwks_uri": f"{AUTHORITY}/jwks",
    "authorization_endpoint": f"{AUTHORITY}/connect/authorize",
    "grant_types_supported": ["client_credentials", "authorization_code"],
    "code_challenge_methods_supported": ["S256"],
}

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _public_jwk(key: Any, alg: str, kid: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.get_default_algorithms()[alg]
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(key.public_key()))
    return jwk | {"kid": kid, "alg": alg, "use": "sig"}


RSA_JWK = _public_jwk(RSA_KEY, "RS256", "rsa1")
EC_JWK = _public_jwk(EC_KEY, "ES256", "ec1")
GOOD_JWKS = {"keys": [RSA_JWK, EC_JWK]}


def signed_token(alg: str, kid: str | None, claims: Mapping[str, Any] | None = None) -> str:
    key = RSA_KEY if alg.startswith(("RS", "PS")) else EC_KEY
    headers = {"kid": kid} if kid is not None else {}
    body = dict(claims or {"iss": AUTHORITY, "exp": 4_102_444_800, "scope": "read"})
    return jwt.encode(body, key, algorithm=alg, headers=headers)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_answer(doc: Any) -> Answer:
    return 200, {"content-type": "application/json"}, json.dumps(doc).encode()


def transport(answers: Mapping[str, Answer]) -> httpx.MockTransport:
    """Answers by path, whatever the host; 404 for any other path."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https") or not request.url.host:
            raise httpx.UnsupportedProtocol(
                "Request URL is missing an 'http://' or 'https://' protocol.", request=request
            )
        status, headers, body = answers.get(request.url.path, (404, {}, b""))
        return httpx.Response(status, headers=dict(headers), content=body)

    return httpx.MockTransport(handle)


def client_for(
    answers: Mapping[str, Answer], *, bus: Bus | None = None, redactor: Redactor | None = None
) -> httpx.AsyncClient:
    """tokenlab's own client (recorder, masking, caps) over the in-memory answers.

    TLS trust is off only because nothing here uses TLS: loading a CA bundle per example would
    cost more than the example."""
    return build_client(
        HttpOptions(verify=False),
        bus=bus or Bus(),
        run_id="fuzz",
        redactor=redactor,
        transport=transport(answers),
    )


def run(coroutine: Awaitable[T]) -> T:
    async def whole() -> T:
        return await coroutine

    return asyncio.run(whole())

"""In-process figures: what tokenlab's own code adds to a request and to a token check.

- a client-credentials round trip through `run_flow` (shared client and AuthorityCache, the
  sandbox in a thread of this process) against a bare httpx POST of the same request on a
  kept-alive connection;
- decode, signature and checks of 1,000 RS256 access tokens against PyJWT's `jwt.decode` with
  the key already loaded.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Figure, interleaved, interleaved_async

GROUP = "in process"
ISSUER = "https://acme.my.erp.net/id"
TOKENS = 1000


async def _round_trip(rounds: int) -> dict[str, float]:
    import httpx

    from tokenlab.commands.demo_cmd import to_profile
    from tokenlab.core.discovery import AuthorityCache
    from tokenlab.core.events import Bus
    from tokenlab.core.flows.runner import run_flow
    from tokenlab.core.http import USER_AGENT, HttpOptions, build_client
    from tokenlab.core.secrets import SecretStore
    from tokenlab.sandbox import Sandbox, demo_catalog

    with Sandbox.running_in_thread(port=0) as sandbox:
        (demo,) = [d for d in demo_catalog(sandbox.url) if d.name == "demo-service-app"]
        profile = to_profile(demo)
        secrets, bus, cache = SecretStore(env={}), Bus(), AuthorityCache()
        options = HttpOptions.from_profile(profile)
        async with (
            build_client(options, bus=bus, run_id="bench", redactor=secrets.redactor) as client,
            httpx.AsyncClient() as bare,
        ):
            endpoint = (await cache.discovery(client, profile.authority)).token_endpoint
            pair = f"{quote(profile.client_id, safe='')}:{quote(profile.public_secret, safe='')}"
            headers = {
                "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            form = {"grant_type": "client_credentials", "scope": " ".join(profile.scopes)}

            async def flow() -> float:
                # Each run its own secret store, made before the clock starts (as each
                # `tokenlab token` has one): a store shared by every run would also carry every
                # earlier run's tokens, and the figure would grow with the number of rounds.
                store = SecretStore(env={})
                store.backend_status()
                start = time.perf_counter()
                await run_flow(profile, secrets=store, bus=bus, client=client, cache=cache)
                return time.perf_counter() - start

            async def post() -> float:
                start = time.perf_counter()
                answer = await bare.post(endpoint, data=form, headers=headers)
                answer.raise_for_status()
                answer.json()["access_token"]
                return time.perf_counter() - start

            return await interleaved_async({"tokenlab": flow, "baseline": post}, rounds)


def round_trip_figure(rounds: int) -> Figure:
    m = asyncio.run(_round_trip(rounds))
    return Figure(
        GROUP,
        "client-credentials round trip (run_flow)",
        "bare httpx POST, same request and connection",
        1.1,
        m["tokenlab"],
        m["baseline"],
        note="median of single requests; sandbox in a thread of this process; a fresh secret "
        "store per run",
    )


def verify_figure(rounds: int) -> Figure:
    import json

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tokenlab.core.inspection.decode import decode_token
    from tokenlab.core.inspection.signature import signature_check
    from tokenlab.core.inspection.token_report import check_token

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())) | {
        "kid": "k1",
        "alg": "RS256",
        "use": "sig",
    }
    now = int(time.time())
    tokens = [
        jwt.encode(
            {
                "iss": ISSUER,
                "aud": "DomainAPI",
                "client_id": "com.acme/service",
                "scope": ["read", "update"],
                "sub": f"user-{i}",
                "jti": f"{i:016x}",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
            },
            key,
            algorithm="RS256",
            headers={"kid": "k1", "typ": "at+jwt"},
        )
        for i in range(TOKENS)
    ]
    public = key.public_key()

    def tokenlab() -> float:
        start = time.perf_counter()
        for token in tokens:
            decoded = decode_token(token)
            report = check_token(
                decoded,
                expected_issuer=ISSUER,
                audience="DomainAPI",
                required_scopes=("read",),
                client_id="com.acme/service",
                signature=signature_check(decoded, jwk, "k1"),
            )
            if not report.ok:
                raise SystemExit(f"tokenlab refused a good token: {report.first_failure}")
        return time.perf_counter() - start

    def pyjwt() -> float:
        start = time.perf_counter()
        for token in tokens:
            jwt.decode(token, public, algorithms=["RS256"], audience="DomainAPI", issuer=ISSUER)
        return time.perf_counter() - start

    m = interleaved({"tokenlab": tokenlab, "baseline": pyjwt}, rounds)
    return Figure(
        GROUP,
        f"decode + verify {TOKENS:,} RS256 access tokens",
        "PyJWT jwt.decode with the key",
        1.2,
        m["tokenlab"],
        m["baseline"],
        note="decode_token + signature_check + check_token, per batch",
    )

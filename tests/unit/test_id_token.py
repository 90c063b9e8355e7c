"""id_token validation: signature through the JWKS (no `none`, no HMAC), iss, aud/azp, nonce,
exp/iat, at_hash/c_hash; each failure explained without the token or the nonce in the message."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tokenlab.core.authority import AuthorityCache, Discovery
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.id_token import IdTokenError, half_hash, validate_id_token
from tokenlab.core.inspection.verify import signature_from_authority

ISSUER = "https://acme.my.erp.net/id"
CLIENT = "com.acme/web"
NONCE = "n-0S6_WzA2Mj"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk_of(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algo = (
        jwt.algorithms.RSAAlgorithm if alg.startswith(("RS", "PS")) else jwt.algorithms.ECAlgorithm
    )
    jwk: dict[str, Any] = json.loads(algo.to_jwk(key.public_key()))
    jwk.update(kid=kid, use="sig", alg=alg)
    return jwk


class Jwks:
    """A JWKS endpoint whose key set can change between fetches (key rotation)."""

    def __init__(self, *key_sets: list[dict[str, Any]]) -> None:
        self.key_sets = list(key_sets)
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        keys = self.key_sets[min(self.fetches, len(self.key_sets) - 1)]
        self.fetches += 1
        return httpx.Response(200, json={"keys": keys})


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "user-1",
        "nonce": NONCE,
        "iat": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(body: dict[str, Any], *, key: Any = RSA_KEY, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


DISCOVERY = Discovery(ISSUER, {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/.well-known/jwks"})


async def check(token: str, jwks: Jwks | None = None, **kw: Any) -> dict[str, Any]:
    jwks = jwks or Jwks([jwk_of(RSA_KEY, "k1", "RS256")])
    kw.setdefault("nonce", NONCE)
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handler)) as client:
        return await validate_id_token(
            token,
            discovery=DISCOVERY,
            client=client,
            cache=AuthorityCache(),
            client_id=CLIENT,
            **kw,
        )


async def refused(token: str, *words: str, jwks: Jwks | None = None, **kw: Any) -> IdTokenError:
    with pytest.raises(IdTokenError) as caught:
        await check(token, jwks, **kw)
    text = f"{caught.value.message} {caught.value.hint}"
    for word in words:
        assert word in text, text
    assert token not in text and NONCE not in text and caught.value.hint
    return caught.value


async def test_valid_id_token_gives_its_claims() -> None:
    got = await check(sign(claims()))
    assert got["sub"] == "user-1"


async def test_es256_with_an_ec_key() -> None:
    jwks = Jwks([jwk_of(EC_KEY, "e1", "ES256")])
    got = await check(sign(claims(), key=EC_KEY, alg="ES256", kid="e1"), jwks)
    assert got["sub"] == "user-1"


def test_half_hash_is_the_left_half_of_sha256_base64url() -> None:
    digest = hashlib.sha256(b"an-access-token").digest()[:16]
    assert half_hash("an-access-token") == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert half_hash("x", "RS384") != half_hash("x", "RS256")


async def test_at_hash_and_c_hash_checked_when_present() -> None:
    token = sign(claims(at_hash=half_hash("AT"), c_hash=half_hash("CODE")))
    await check(token, access_token="AT", code="CODE", require_c_hash=True)
    await refused(token, "at_hash", "access token", access_token="OTHER")
    await refused(token, "c_hash", "authorization code", code="OTHER")


async def test_c_hash_required_for_a_hybrid_answer() -> None:
    await refused(sign(claims()), "c_hash", code="CODE", require_c_hash=True)
    await check(sign(claims()), code="CODE")  # not required: only checked when present


async def test_issuer_compared_exactly() -> None:
    await refused(sign(claims(iss=ISSUER + "/")), "issuer", "trailing slash")
    await refused(sign(claims(iss="https://id.erp.net/id")), "https://id.erp.net/id")


async def test_an_issuer_or_client_that_cannot_be_compared_is_never_a_match() -> None:
    no_issuer = Discovery(ISSUER, {"jwks_uri": f"{ISSUER}/.well-known/jwks"})
    jwks = Jwks([jwk_of(RSA_KEY, "k1", "RS256")])
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handler)) as client:
        for discovery, client_id, word in (
            (no_issuer, CLIENT, "issuer"),
            (DISCOVERY, "", "client"),
        ):
            with pytest.raises(IdTokenError, match=word):
                await validate_id_token(
                    sign(claims()),
                    discovery=discovery,
                    client=client,
                    cache=AuthorityCache(),
                    client_id=client_id,
                    nonce=NONCE,
                )


async def test_audience_and_azp() -> None:
    await refused(sign(claims(aud="com.other/app")), "com.other/app", "client id")
    await refused(sign(claims(aud=[CLIENT, "other"])), "azp")
    await refused(sign(claims(aud=[CLIENT, "other"], azp="other")), "azp")
    await check(sign(claims(aud=[CLIENT, "other"], azp=CLIENT)))


async def test_nonce_must_match_unless_not_expected() -> None:
    await refused(sign(claims(nonce="another")), "another nonce", "replay")
    await refused(sign(claims(nonce=None)), "no nonce")
    await check(sign(claims(nonce=None)), nonce=None)


async def test_expiry_and_issue_time_with_leeway() -> None:
    now = time.time()
    await refused(sign(claims(exp=int(now) - 120)), "expired")
    await check(sign(claims(exp=int(now) - 30)))  # within the 60 s leeway
    await refused(sign(claims(iat=int(now) + 600)), "future", "clock")
    await refused(sign(claims(exp=None)), "'exp'")


async def test_alg_none_is_refused() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"k1"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=").decode()
    await refused(f"{header}.{body}.", "'none'", "forged")


async def test_hmac_with_the_public_key_as_secret_is_refused() -> None:
    # the classic algorithm confusion: HS256 "signed" with the RSA public key's bytes
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in (header, claims())
    ]
    import hmac

    mac = hmac.new(public_pem, b".".join(segments), hashlib.sha256).digest()
    token = b".".join([*segments, base64.urlsafe_b64encode(mac).rstrip(b"=")]).decode()
    await refused(token, "HS256", "HMAC")


async def test_algorithm_must_fit_the_key() -> None:
    ec_jwks = Jwks([jwk_of(EC_KEY, "k1", "ES256")])
    await refused(sign(claims()), "RS256", "type EC", jwks=ec_jwks)
    await refused(sign(claims(), alg="PS256"), "published for RS256")


async def test_bad_signature() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await refused(sign(claims(), key=other), "signature")


async def test_unknown_kid_refetches_the_jwks_once() -> None:
    rotated = Jwks([jwk_of(RSA_KEY, "old", "RS256")], [jwk_of(RSA_KEY, "k1", "RS256")])
    await check(sign(claims()), rotated)
    assert rotated.fetches == 2
    never = Jwks([jwk_of(RSA_KEY, "old", "RS256")])
    await refused(sign(claims()), "'k1'", "does not publish", jwks=never)
    assert never.fetches == 2


class LookupLog(AuthorityCache):
    """The real cache, noting each key lookup, to show which path a check takes."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str | None] = []

    async def find_key(
        self, client: httpx.AsyncClient, discovery: Discovery, kid: str | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        self.lookups.append(kid)
        return await super().find_key(client, discovery, kid)


async def test_an_unknown_kid_takes_the_access_token_path_and_refetches_once() -> None:
    token = sign(claims())
    for key_sets, accepted in (([("old",)], False), ([("old",), ("k1",)], True)):
        results = []
        for path in ("id_token", "access token"):
            jwks = Jwks(*[[jwk_of(RSA_KEY, kid, "RS256") for kid in kids] for kids in key_sets])
            cache = LookupLog()
            async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handler)) as client:
                if path == "id_token":
                    try:
                        await validate_id_token(
                            token,
                            discovery=DISCOVERY,
                            client=client,
                            cache=cache,
                            client_id=CLIENT,
                            nonce=NONCE,
                        )
                        results.append("accepted")
                    except IdTokenError as exc:
                        results.append(exc.hint)
                else:
                    check = await signature_from_authority(
                        decode_token(token), client=client, cache=cache, discovery=DISCOVERY
                    )
                    results.append("accepted" if check.status == "pass" else check.reason)
            # one lookup through AuthorityCache.find_key, which refetched the JWKS exactly once
            assert cache.lookups == ["k1"] and jwks.fetches == 2, path
        # both checks say the same thing, in the same words: there is one signature path
        assert results[0] == results[1]
        assert (results[0] == "accepted") is accepted, results
        if not accepted:
            assert results[0].startswith("unknown key") and "even after fetching" in results[0]


async def test_not_a_jwt() -> None:
    await refused("not-a-token", "not a JWT")

"""Fuzzing discovery documents, auto-discovery answers and JWKS: whatever an authority sends,
`find_authority`, `inspect_authority` and `verify_token` end in a report or a `TokenlabError`.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.authority import (
    AUTHORITY,
    AUTO_DISCOVERY_PATH,
    DISCOVERY_PATH,
    EC_JWK,
    GOOD_DISCOVERY,
    GOOD_JWKS,
    INSTANCE,
    JWKS_PATH,
    RSA_JWK,
    Answer,
    b64url,
    client_for,
    json_answer,
    run,
    signed_token,
)
from tests.fuzz.strategies import (
    bodies,
    edited,
    fuzz,
    json_values,
    odd_urls,
    to_json_text,
    urls,
    words,
)
from tokenlab.core.authority import AuthorityCache, find_authority, inspect_authority
from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.verify import verify_token

pytestmark = pytest.mark.slow

# -- what is generated ----------------------------------------------------------------------------

ENDPOINTS = (
    "issuer",
    "token_endpoint",
    "jwks_uri",
    "authorization_endpoint",
    "revocation_endpoint",
)
# a good document whose endpoints are hostile URLs: what the https check and the fetches meet
hostile_endpoints = st.lists(
    st.tuples(st.sampled_from(ENDPOINTS), odd_urls), min_size=1, max_size=2
)
discovery_docs = st.builds(lambda edits: GOOD_DISCOVERY | dict(edits), hostile_endpoints) | edited(
    [GOOD_DISCOVERY],
    {
        "issuer": urls(AUTHORITY),
        "token_endpoint": urls(f"{AUTHORITY}/connect/token"),
        "jwks_uri": urls(f"{AUTHORITY}/jwks"),
        "authorization_endpoint": urls(f"{AUTHORITY}/connect/authorize"),
        "device_authorization_endpoint": urls(f"{AUTHORITY}/connect/deviceauthorization"),
        "revocation_endpoint": urls(f"{AUTHORITY}/connect/revocation"),
        "end_session_endpoint": urls(f"{AUTHORITY}/connect/endsession"),
        "grant_types_supported": words,
        "code_challenge_methods_supported": words,
        "token_endpoint_auth_methods_supported": words,
    },
)
ID_SITE = {"Type": "ID", "Url": AUTHORITY}
API_SITE = {"Type": "DomainAPI", "AdditionalProperties": {"ODataServiceRoot": f"{INSTANCE}/api/"}}
sites = edited(
    [ID_SITE, API_SITE],
    {
        "Type": st.sampled_from(["ID", "DomainAPI", "Other"]),
        "Url": urls(AUTHORITY),
        "URI": urls(AUTHORITY),
        "AdditionalProperties": edited(
            [API_SITE["AdditionalProperties"]], {"ODataServiceRoot": urls(f"{INSTANCE}/api/")}
        ),
    },
)
auto_discovery_docs = edited(
    [{"WebSites": [ID_SITE, API_SITE]}], {"WebSites": st.lists(sites | json_values, max_size=3)}
)

b64_numbers = st.one_of(
    st.just(RSA_JWK["n"]),
    st.binary(max_size=40).map(b64url),
    st.text(max_size=12),  # not base64 at all
    st.sampled_from(["", "=", "AQAB", "A", "AAAAA", "****", "AAAA" * 600]),
)
jwk_docs = edited(
    [RSA_JWK, EC_JWK],
    {
        "kty": st.sampled_from(["RSA", "EC", "OKP", "oct", ""]),
        "kid": st.sampled_from(["rsa1", "ec1", "other", ""]),
        "alg": st.sampled_from(["RS256", "ES256", "PS256", "HS256", "none"]),
        "use": st.sampled_from(["sig", "enc"]),
        "n": b64_numbers,
        "e": b64_numbers,
        "crv": st.sampled_from(["P-256", "P-384", "P-521", "Ed25519", "secp256k1"]),
        "x": b64_numbers,
        "y": b64_numbers,
        "d": b64_numbers,
    },
)
jwks_docs = edited([GOOD_JWKS], {"keys": st.lists(jwk_docs | json_values, max_size=3)})

dates = st.one_of(
    st.just("Mon, 01 Jan 2024 00:00:00 GMT"),
    st.sampled_from(
        [
            "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
            "Mon, 01 Jan 1 00:00:00 +9999",
            "Mon, 01 Jan 0001 00:00:00 -2359",
            "yesterday",
        ]
    ),
    st.text(max_size=40),
)
cache_controls = st.one_of(
    st.just("max-age=60"),
    st.integers(0, 5000).map(lambda n: "max-age=" + "9" * n),
    st.text(max_size=30),
)


def _headers(ctype: str, cache: str | None, date: str | None) -> dict[str, str]:
    headers = {"content-type": ctype, "cache-control": cache, "date": date}
    # only ASCII header values: what httpx itself refuses to send is not a server fault
    return {k: v.encode("ascii", "ignore").decode() for k, v in headers.items() if v is not None}


def answers(docs: st.SearchStrategy[Any]) -> st.SearchStrategy[Answer]:
    """A status, the headers that matter (type, caching, clock) and a body."""
    return st.tuples(
        st.sampled_from([200, 200, 200, 200, 404, 500, 301]),
        st.builds(
            _headers,
            st.sampled_from(["application/json", "text/html", ""]),
            st.none() | cache_controls,
            st.none() | dates,
        ),
        bodies(docs),
    )


def _json(doc: Any, headers: dict[str, str] | None = None) -> Answer:
    return 200, headers or {"content-type": "application/json"}, to_json_text(doc).encode()


# -- discovery and auto-discovery ----------------------------------------------------------------


async def _inspect(which: str, answer: Answer) -> None:
    """Fuzz one of the two documents; the other is a good one."""
    served = {
        AUTO_DISCOVERY_PATH: json_answer({"WebSites": [ID_SITE, API_SITE]}),
        DISCOVERY_PATH: json_answer(GOOD_DISCOVERY),
        JWKS_PATH: json_answer(GOOD_JWKS),
    }
    served[which] = answer
    async with client_for(served) as client:
        try:
            authority, api, how = await find_authority(client, INSTANCE)
            assert isinstance(authority, str) and isinstance(api, str) and isinstance(how, str)
        except TokenlabError as exc:
            assert exc.message
        try:
            report = await inspect_authority(client, AUTHORITY, cache=AuthorityCache())
        except TokenlabError as exc:
            assert exc.message
            return
        report.to_json()
        assert isinstance(report.ok, bool)


fuzzed_documents = st.one_of(
    st.tuples(st.just(DISCOVERY_PATH), answers(discovery_docs)),
    st.tuples(st.just(DISCOVERY_PATH), answers(discovery_docs)),
    st.tuples(st.just(AUTO_DISCOVERY_PATH), answers(auto_discovery_docs)),
)
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_YEAR = "Mon, 01 Jan 99999999999999999999 00:00:00 GMT"


@fuzz
@given(fuzzed_documents)
@example((DISCOVERY_PATH, json_answer(GOOD_DISCOVERY)))
# a discovery document nested 100,000 deep (RecursionError where the body is masked and read)
@example((DISCOVERY_PATH, (200, {}, DEEP)))
# an auto-discovery answer nested 100,000 deep (RecursionError)
@example((AUTO_DISCOVERY_PATH, (200, {}, b'{"WebSites":' + DEEP + b"}")))
# a Date header with a year past any C long (OverflowError in clock_skew_seconds)
@example((DISCOVERY_PATH, _json(GOOD_DISCOVERY, {"date": HUGE_YEAR})))
# a jwks_uri with a port httpx cannot build a request for (httpx.InvalidURL)
@example((DISCOVERY_PATH, _json(GOOD_DISCOVERY | {"jwks_uri": "https://acme.example:x/jwks"})))
# a jwks_uri whose host is not IDNA (idna.IDNAError, a UnicodeError)
@example((DISCOVERY_PATH, _json(GOOD_DISCOVERY | {"jwks_uri": "https://xn--/"})))
# an endpoint that urlsplit refuses (ValueError in the https check, urls.is_cleartext)
@example((DISCOVERY_PATH, _json(GOOD_DISCOVERY | {"token_endpoint": "http://[::1"})))
def test_discovery_answers_end_in_a_report_or_our_error(fuzzed: tuple[str, Answer]) -> None:
    run(_inspect(*fuzzed))


# -- JWKS -------------------------------------------------------------------------------------------

TOKENS = [
    signed_token("RS256", "rsa1"),
    signed_token("ES256", "ec1"),
    signed_token("PS256", "rsa1"),
    signed_token("RS256", None),
    signed_token("ES256", "other"),
]


async def _verify(jwks: Answer, token: str) -> None:
    served = {DISCOVERY_PATH: json_answer(GOOD_DISCOVERY), JWKS_PATH: jwks}
    cache = AuthorityCache()
    async with client_for(served) as client:
        try:
            report = await inspect_authority(client, AUTHORITY, cache=cache)
            report.to_json()
        except TokenlabError as exc:
            assert exc.message
        try:
            checked = await verify_token(
                decode_token(token), client=client, cache=cache, expected_issuer=AUTHORITY
            )
        except TokenlabError as exc:
            assert exc.message
            return
        signature = checked.check("signature")
        assert signature is not None and signature.status in ("pass", "fail")
        checked.to_json()


@fuzz
@given(answers(jwks_docs), st.sampled_from(TOKENS))
@example(json_answer(GOOD_JWKS), TOKENS[0])
# a JWKS nested 100,000 deep (RecursionError)
@example((200, {}, b'{"keys":' + DEEP + b"}"), TOKENS[0])
# an RSA key whose n has an impossible base64 length (binascii.Error in key_info)
@example(json_answer({"keys": [RSA_JWK | {"n": "A"}]}), TOKENS[0])
def test_jwks_answers_end_in_a_verdict_or_our_error(jwks: Answer, token: str) -> None:
    run(_verify(jwks, token))

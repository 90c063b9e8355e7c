"""Fuzzing pasted tokens: whatever is pasted, `decode_token`, `check_token`, the claim table,
the signature check and the JSON report end in a result or a `TokenlabError`.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.authority import AUTHORITY, RSA_JWK, b64url, signed_token
from tests.fuzz.strategies import (
    Raw,
    edited,
    fuzz,
    huge_numbers,
    json_values,
    odd_strings,
    to_json_text,
)
from tokenlab.core.errors import TokenlabError
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.inspection.signature import signature_check
from tokenlab.core.inspection.token_report import check_token

pytestmark = pytest.mark.slow

NOW = 1_750_000_000.0
VALID = signed_token("RS256", "rsa1", {"iss": AUTHORITY, "exp": NOW + 3600, "scope": "read"})

times = st.integers(-(10**12), 10**12) | huge_numbers | st.floats()
headers = edited(
    [{"alg": "RS256", "kid": "rsa1", "typ": "at+jwt"}],
    {
        "alg": st.sampled_from(["RS256", "ES256", "HS256", "none", "None", "EdDSA", ""]),
        "kid": st.sampled_from(["rsa1", ""]) | st.integers(),
        "typ": st.sampled_from(["at+jwt", "JWT"]),
        "crit": st.lists(st.text(max_size=4), max_size=2),
        "jku": st.just("https://evil.example/jwks"),
        "enc": st.just("A256GCM"),
    },
)
payloads = edited(
    [{"iss": AUTHORITY, "aud": "api", "exp": NOW + 60, "iat": NOW, "scope": "read"}],
    {
        "iss": st.sampled_from([AUTHORITY, "https://id.erp.net/id", "http://[::1"]),
        "aud": st.sampled_from(["api", ""]) | st.lists(st.text(max_size=4), max_size=3),
        "exp": times,
        "nbf": times,
        "iat": times,
        "auth_time": times,
        "scope": st.sampled_from(["read update", ""]) | st.lists(huge_numbers | odd_strings),
        "scp": st.lists(st.text(max_size=4), max_size=2),
        "client_id": st.sampled_from(["com.fuzz/app", ""]),
        "sub": odd_strings,
    },
)


def jws(header: Any, payload: Any, signature: bytes) -> str:
    return ".".join(
        b64url(to_json_text(part).encode("utf-8", "surrogatepass")) for part in (header, payload)
    ) + ("." + b64url(signature))


def mutate(text: str, ops: list[tuple[int, str]]) -> str:
    for at, piece in ops:
        at = min(at, len(text))
        text = text[:at] + piece + text[at + 1 :]
    return text


pasted = st.one_of(
    st.builds(jws, headers, payloads, st.binary(max_size=64)),
    st.builds(jws, headers, payloads, st.binary(max_size=64)),
    st.builds(jws, json_values, json_values, st.binary(max_size=8)),
    st.builds(
        mutate,
        st.just(VALID),
        st.lists(st.tuples(st.integers(0, len(VALID)), st.text(max_size=2)), max_size=3),
    ),
    st.builds(
        lambda prefix, token, suffix: prefix + token + suffix,
        st.sampled_from(["", "Bearer ", "Authorization: Bearer ", '"', " \n"]),
        st.sampled_from([VALID, "enrt_abc", "eyJ", "a.b.c.d.e"]),
        st.sampled_from(["", '"', "\n", "\u00a0", "\ud800"]),
    ),
    st.text(max_size=120),
)


def _inspect(text: str) -> None:
    try:
        decoded = decode_token(text)
    except TokenlabError as exc:
        assert exc.message and exc.hint
        return
    for kind in ("access", "id"):
        report = check_token(
            decoded,
            expected_issuer=AUTHORITY,
            audience="api",
            required_scopes=("read",),
            client_id="com.fuzz/app",
            token_kind=kind,  # type: ignore[arg-type]
            now=NOW,
        )
        assert report.checks and all(
            c.status in ("pass", "warn", "fail", "skip") for c in report.checks
        )
        assert all(isinstance(row.value, str) for row in report.claims)  # the claim table
        report.to_json()
    if decoded.kind == "jwt":
        assert signature_check(decoded, RSA_JWK, "rsa1").status in ("pass", "fail")


@fuzz
@given(pasted)
@example(VALID)
# a 4,000-digit exp (OverflowError where the time is read as a float)
@example(jws({"alg": "RS256"}, {"exp": Raw("9" * 4000)}, b"s"))
# a 400-digit iat and exp in the claim table's lifetime (OverflowError)
@example(jws({"alg": "RS256"}, {"iat": Raw("1" + "0" * 400)}, b"s"))
def test_pasted_tokens_end_in_a_report_or_our_error(text: str) -> None:
    _inspect(text)

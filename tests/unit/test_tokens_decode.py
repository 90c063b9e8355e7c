"""Decoding and offline checks of tokens: no network, keys made here, hypothesis over garbage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenlab.core.errors import EXIT_USAGE, TokenlabError
from tokenlab.core.inspection.claims import (
    as_time,
    claim_table,
    duration_text,
    relative_text,
    scopes_of,
)
from tokenlab.core.inspection.compare import compare_tokens
from tokenlab.core.inspection.decode import DecodedToken, TokenFormatError, decode_token
from tokenlab.core.inspection.signature import signature_check
from tokenlab.core.inspection.token_report import CHECK_ORDER, TokenReport, check_token

ISSUER = "https://acme.my.erp.net/id"
NOW = 1_800_000_000.0
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "key-1"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Any = RSA_KEY, kid: str = KID, alg: str = "RS256") -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=kid, use="sig", alg=alg)
    return jwk


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "DomainAPI",
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 3600,
        "jti": "A1B2",
        "scope": ["read", "update"],
        "client_id": "com.acme/service",
        "client_system_user": "svc",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(claim_set: dict[str, Any] | None = None, *, typ: str = "at+jwt", **headers: Any) -> str:
    return jwt.encode(
        claim_set if claim_set is not None else claims(),
        RSA_KEY,
        algorithm="RS256",
        headers={"kid": KID, "typ": typ, **headers},
    )


def raw_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)]
    )


def full_check(text: str, **kw: Any) -> TokenReport:
    kw.setdefault("expected_issuer", ISSUER)
    kw.setdefault("audience", "DomainAPI")
    kw.setdefault("required_scopes", ("read", "update"))
    kw.setdefault("client_id", "com.acme/service")
    return check_token(decode_token(text), now=NOW, **kw)


# -- decoding --------------------------------------------------------------------------------


def test_a_jwt_is_decoded_without_trusting_it() -> None:
    text = token()
    d = decode_token(text)
    assert d.kind == "jwt" and d.alg == "RS256" and d.header["kid"] == KID
    assert d.claims["client_system_user"] == "svc" and len(d.signature) == 256
    assert (
        d.segments == tuple(text.split(".")) and d.signing_input == text.rsplit(".", 1)[0].encode()
    )
    assert (
        text not in repr(d)
        and d.masked.startswith("eyJ")
        and d.masked.endswith(f"({len(text)} chars)")
    )


@pytest.mark.parametrize(
    "wrap",
    [
        "  {t}\n",
        "Bearer {t}",
        "bearer   {t}",
        "Authorization: Bearer {t}",
        '"{t}"',
        "{a}\n{b}",  # wrapped by a terminal
        "{a}\r\n   {b}",
    ],
)
def test_what_people_paste_around_a_token_is_removed(wrap: str) -> None:
    text = token()
    pasted = wrap.format(t=text, a=text[:100], b=text[100:])
    assert decode_token(pasted).token == text


def test_a_reference_token_and_an_opaque_string_are_recognised() -> None:
    ref = decode_token("enrt_sandbox_demo_valid_5f3c9a1e2b7d4c60")
    assert ref.kind == "reference" and "reference token" in ref.description
    assert "introspection" in ref.description and "API" in ref.description
    opaque = decode_token("2YotnFZFEjr1zCsicMWpAA" * 2)
    assert opaque.kind == "opaque" and "introspection" in opaque.description
    for d in (ref, opaque):
        report = check_token(d, now=NOW)
        assert report.ok and [c.name for c in report.checks] == ["format", "introspection"]
        assert report.check("format").status == "warn"  # type: ignore[union-attr]


def test_an_encrypted_token_is_named_as_such() -> None:
    header = b64(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "x"}).encode())
    text = ".".join([header, "a" * 342, "b" * 16, "c" * 40, "d" * 22])
    d = decode_token(text)
    assert d.kind == "jwe" and "encrypted" in d.description and "A256GCM" in d.description
    assert check_token(d, now=NOW).check("format").status == "warn"  # type: ignore[union-attr]
    with pytest.raises(TokenFormatError, match="names no enc"):
        decode_token(token() + ".x.y")


GARBAGE = [
    ("", "no token given"),
    ("   \n ", "no token given"),
    ("Bearer ", "no token given"),
    ("hello world", "space"),
    ("abc", "neither a JWT"),
    ("eyJhbGciOiJSUzI1NiJ9", "1 dot-separated part"),
    ("a.b", "2 dot-separated part"),
    ("a.b.c.d", "4 dot-separated part"),
    ("a.b.c", "impossible base64url length"),
    ("e30.e30.#", "not base64url"),
    ("e30.bm90IGpzb24.", "payload is not JSON"),
    ("e30.WzEsMl0.", "not an object (it is list)"),
    ("e30.__8.", "not UTF-8"),
    ("bm9wZQ.e30.", "header is not JSON"),
    ("enrt_bad$token", "starts like a platform reference token"),
    ("tok\u00e9n.e30.e30", "U+00E9"),
    ("e30.eyJleHAiOk5hTn0.", "not JSON"),  # {"exp":NaN}
    ("x" * (4 * 1024 * 1024 + 1), "too long"),
    (
        "e30." + base64.urlsafe_b64encode(b'{"x":' + b"[" * 600 + b"]" * 600 + b"}").decode() + ".",
        "nests",
    ),
]


@pytest.mark.parametrize(("text", "needle"), GARBAGE, ids=[needle for _, needle in GARBAGE])
def test_garbage_is_an_input_error_with_a_hint(text: str, needle: str) -> None:
    with pytest.raises(TokenFormatError) as err:
        decode_token(text)
    assert needle in err.value.message and err.value.hint
    assert err.value.exit_code == EXIT_USAGE


def test_standard_base64_is_named_and_the_token_never_quoted() -> None:
    text = token()
    broken = text[:-3] + "+/A"
    with pytest.raises(TokenFormatError) as err:
        decode_token(broken)
    assert "standard base64" in err.value.hint and broken not in str(err.value)


def test_duplicate_claims_and_padding_are_warned_about() -> None:
    header = b64(b'{"alg":"RS256","typ":"at+jwt"}')
    payload = b64(b'{"iss":"a","scope":"read","scope":"read update"}') + "=="
    d = decode_token(f"{header}.{payload}.c2ln")
    assert any("'scope' more than once" in w for w in d.warnings)
    assert any("padding" in w for w in d.warnings)
    assert check_token(d, now=NOW).check("format").status == "warn"  # type: ignore[union-attr]


# -- offline checks --------------------------------------------------------------------------


def test_a_good_token_passes_every_offline_check_and_skips_only_the_signature() -> None:
    report = full_check(token())
    assert [c.name for c in report.checks] == [n for n in CHECK_ORDER if n != "introspection"]
    assert {c.name: c.status for c in report.checks if c.status != "pass"} == {"signature": "skip"}
    assert report.ok and report.first_failure is None


@pytest.mark.parametrize(
    ("claim_changes", "kw", "check", "status", "needle"),
    [
        ({"exp": int(NOW) - 300}, {}, "expiry", "fail", "expired 5 min ago"),
        ({"exp": int(NOW) - 30}, {}, "expiry", "warn", "within the leeway"),
        ({"exp": None}, {}, "expiry", "fail", "never expires"),
        ({"exp": "tomorrow"}, {}, "expiry", "fail", "not a time"),
        ({"nbf": int(NOW) + 600}, {}, "not_before", "fail", "another 10 min"),
        ({"nbf": int(NOW) + 30}, {}, "not_before", "warn", "within the leeway"),
        ({"iat": int(NOW) + 600}, {}, "issued_at", "warn", "clock"),
        ({"iss": "https://other.my.erp.net/id"}, {}, "issuer", "fail", "another authority"),
        ({"iss": ISSUER + "/"}, {}, "issuer", "fail", "trailing slash"),
        ({"iss": ISSUER.upper()}, {}, "issuer", "fail", "letter case"),
        ({"iss": ISSUER.replace("https", "http")}, {}, "issuer", "fail", "scheme"),
        ({"iss": "https://id.erp.net/id"}, {}, "issuer", "fail", "global authority"),
        ({"iss": None}, {}, "issuer", "fail", "no issuer"),
        ({"iss": "http://[broken/id"}, {}, "issuer", "fail", "another authority"),
        ({"aud": "TableAPI"}, {}, "audience", "fail", "not DomainAPI"),
        ({"aud": ["TableAPI", "DomainAPI"]}, {}, "audience", "pass", "this API"),
        ({"scope": ["read"]}, {}, "scope", "fail", "missing update"),
        ({"scope": "read update"}, {}, "scope", "pass", "every required scope"),
        ({"scope": "update"}, {"required_scopes": ("read",)}, "scope", "fail", "missing read"),
        ({"scope": None}, {}, "scope", "fail", "no scope claim"),
        ({"client_id": "com.other/app"}, {}, "client_id", "fail", "another client"),
    ],
)
def test_each_offline_check_gives_its_verdict(
    claim_changes: dict[str, Any], kw: dict[str, Any], check: str, status: str, needle: str
) -> None:
    report = full_check(token(claims(**claim_changes)), **kw)
    got = report.check(check)
    assert got is not None and got.status == status and needle in got.reason, got
    if status == "fail":
        assert report.first_failure == got and not report.ok
    else:
        assert report.ok


def test_the_global_authority_is_named_even_without_an_expected_issuer() -> None:
    report = check_token(decode_token(token(claims(iss="https://id.erp.net/id"))), now=NOW)
    assert report.first_failure is not None and report.first_failure.name == "issuer"
    assert "never issues tokens the instance APIs accept" in report.first_failure.reason


def test_measured_clock_skew_moves_now_to_the_servers_time() -> None:
    ahead = token(claims(iat=int(NOW) + 600, nbf=int(NOW) + 600, exp=int(NOW) + 4200))
    assert full_check(ahead).first_failure.name == "not_before"  # type: ignore[union-attr]
    report = full_check(ahead, clock_skew=600)
    assert report.ok and "+600 s" in report.check("expiry").reason  # type: ignore[union-attr]
    # noise below the Date header's resolution is ignored
    assert "server's clock" not in full_check(token(), clock_skew=1).check("expiry").reason  # type: ignore[union-attr]


def test_typ_is_checked_and_an_id_token_is_recognised() -> None:
    id_token = token(claims(nonce="n", at_hash="h", aud="com.acme/web"), typ="JWT")
    got = full_check(id_token, audience=None).check("type")
    assert got is not None and got.status == "warn" and "id_token" in got.reason
    as_id = check_token(decode_token(id_token), client_id="com.acme/web", token_kind="id", now=NOW)
    assert as_id.check("type").status == "pass" and as_id.check("audience").status == "pass"  # type: ignore[union-attr]
    access = check_token(decode_token(token()), token_kind="id", now=NOW)
    assert access.check("type").status == "fail"  # type: ignore[union-attr]


def test_alg_none_and_hmac_fail_offline_and_key_urls_are_warned() -> None:
    none = raw_token({"alg": "none", "typ": "at+jwt"}, claims())
    report = full_check(none)
    assert report.first_failure.name == "algorithm" and "unsigned" in report.first_failure.reason  # type: ignore[union-attr]
    hs = jwt.encode(claims(), "s" * 32, algorithm="HS256", headers={"typ": "at+jwt"})
    report = full_check(hs)
    assert "algorithm-confusion attack" in report.first_failure.reason  # type: ignore[union-attr]
    jku = token(jku="https://evil.example/jwks")
    got = full_check(jku).check("key_source")
    assert got is not None and got.status == "warn" and "never fetches" in got.reason
    assert "jku=https://evil.example/jwks" in got.observed


# -- signature with a given key (verify_token's core, no network) ----------------------------


def test_signature_with_the_right_key_passes_and_any_change_fails() -> None:
    text = token()
    assert signature_check(decode_token(text), public_jwk(), KID).status == "pass"
    header, _, sig = text.split(".")
    forged = b64(json.dumps(claims(scope=["read", "update", "admin"])).encode())
    got = signature_check(decode_token(f"{header}.{forged}.{sig}"), public_jwk(), KID)
    assert got.status == "fail" and "changed after it was signed" in got.reason


def test_hs256_signed_with_the_public_key_pem_is_reported_as_an_attack() -> None:
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64(json.dumps({"alg": "HS256", "kid": KID, "typ": "at+jwt"}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    d = decode_token(f"{head}.{body}.{b64(sig)}")
    got = signature_check(d, public_jwk(), KID)
    assert (
        got.status == "fail"
        and got.reason.startswith("ATTACK")
        and "algorithm-confusion" in got.reason
    )


def test_the_algorithm_must_fit_the_key() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    d = decode_token(token())
    got = signature_check(d, public_jwk(ec_key, alg="ES256"), KID)
    assert got.status == "fail" and "needs an RSA key" in got.reason
    got = signature_check(d, public_jwk(alg="PS256"), KID)
    assert got.status == "fail" and "is for PS256" in got.reason
    es = jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "e"})
    assert signature_check(decode_token(es), public_jwk(ec_key, "e", "ES256"), "e").status == "pass"
    assert signature_check(d, None, "other").reason.startswith("unknown key")
    broken = {**public_jwk(), "n": "!!"}
    assert "cannot be loaded" in signature_check(d, broken, KID).reason


# -- claims table and readable times ---------------------------------------------------------


def test_claim_table_reads_times_and_annotates_known_claims() -> None:
    rows = {r.name: r for r in claim_table(claims(user_type="Internal", is_admin=False), NOW)}
    assert rows["exp"].readable.endswith("(in 1 h)") and "1 h left" in rows["exp"].note
    assert "lifetime 1 h" in rows["exp"].note and "UTC" in rows["iat"].readable
    assert "SystemUser" in rows["client_system_user"].note and "user type" in rows["user_type"].note
    assert rows["is_admin"].value == "false" and rows["scope"].value == '["read","update"]'
    expired = {r.name: r for r in claim_table(claims(exp=int(NOW) - 180), NOW)}
    assert "EXPIRED 3 min ago" in expired["exp"].note and expired["exp"].readable.endswith(
        "(3 min ago)"
    )


def test_control_characters_in_claims_never_reach_the_terminal() -> None:
    rows = {r.name: r for r in claim_table({"name": "\x1b[2Jevil\u202e"}, NOW)}
    assert "\x1b" not in rows["name"].value and "\\x1b" in rows["name"].value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, None), ("1", None), (float("nan"), None), (1e300, None), (0, 0.0), (12.5, 12.5)],
)
def test_only_real_numbers_are_times(value: Any, expected: float | None) -> None:
    assert as_time(value) == expected


def test_durations_read_like_a_person_says_them() -> None:
    assert [duration_text(s) for s in (5, 59 * 60 + 59, 3600, 5 * 3600 + 180, 86400 * 30)] == [
        "5 s",
        "59 min",
        "1 h",
        "5 h 3 min",
        "30 days",
    ]
    assert (
        relative_text(NOW + 120, NOW) == "in 2 min" and relative_text(NOW - 180, NOW) == "3 min ago"
    )
    assert relative_text(NOW, NOW) == "now"
    assert scopes_of({"scope": "a b"}) == ("a", "b") and scopes_of({"scp": ["x"]}) == ("x",)
    assert scopes_of({}) is None


# -- compare ---------------------------------------------------------------------------------


def test_compare_names_every_difference_and_marks_churn() -> None:
    before = token()
    after = token(
        claims(iat=int(NOW) + 60, exp=int(NOW) + 3660, jti="Z", scope=["read"], db="x"),
        kid="key-2",
    )
    diffs = {d.name: d for d in compare_tokens(before, after)}
    assert set(diffs) == {"iat", "exp", "jti", "scope", "db", "header.kid"}
    assert all(diffs[n].expected for n in ("iat", "exp", "jti", "header.kid"))
    assert "+60 s" in diffs["exp"].note
    assert not diffs["scope"].expected and "no longer granted: update" in diffs["scope"].note
    assert diffs["db"].change == "added" and diffs["db"].after == "x"
    assert compare_tokens(before, before) == []
    mixed = compare_tokens(before, "enrt_abcdef")
    assert [d.name for d in mixed] == ["kind", "token"] and before not in repr(mixed)


# -- reports never hold the whole token ------------------------------------------------------


def test_report_json_masks_the_token_and_token_like_values() -> None:
    inner = token()
    text = token(claims(act={"token": "x", "nested": inner}))
    data = full_check(text).to_json()
    dumped = json.dumps(data)
    assert text not in dumped and inner not in dumped and data["token"] == mask_of(text)
    assert data["first_failure"] is None and data["ok"] is True
    assert {c["name"] for c in data["checks"]} >= {"issuer", "signature", "scope"}
    assert data["claims"]["client_system_user"] == "svc" and data["header"]["kid"] == KID


def mask_of(text: str) -> str:
    return decode_token(text).masked


# -- property tests: nothing but tokenlab's own errors ---------------------------------------

VALID = token()
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _report_everything(d: DecodedToken) -> None:
    """Everything a user can get from a decoded token must work, whatever it holds."""
    from tokenlab.commands.decode_cmd import render

    report = full_check(d.token)
    json.dumps(report.to_json())
    render(report)
    signature_check(d, public_jwk(), KID)
    compare_tokens(d, VALID)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_random_text_raises_only_tokenlab_errors(text: str) -> None:
    try:
        d = decode_token(text)
    except TokenFormatError as exc:
        assert exc.hint
        return
    _report_everything(d)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.sampled_from(B64URL + ".=+/ ")),
    st.tuples(st.just("insert"), st.integers(0, len(VALID)), st.characters()),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID) - 1), st.just("")),
    st.tuples(st.just("delete"), st.integers(0, len(VALID) - 1), st.just("")),
)


def mutate(text: str, ops: list[tuple[str, int, str]]) -> str:
    for op, i, c in ops:
        i = min(i, len(text))
        if op == "flip":
            text = text[:i] + c + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + c + text[i:]
        elif op == "truncate":
            text = text[:i]
        else:
            text = text[:i] + text[i + 1 :]
    return text


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_jwts_raise_only_tokenlab_errors_and_never_verify(
    ops: list[tuple[str, int, str]],
) -> None:
    text = mutate(VALID, ops)
    try:
        d = decode_token(text)
    except TokenlabError as exc:
        assert isinstance(exc, TokenFormatError) and VALID not in str(exc)
        return
    _report_everything(d)
    if d.kind == "jwt" and d.signing_input != VALID.rsplit(".", 1)[0].encode():
        assert signature_check(d, public_jwk(), KID).status == "fail"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
claim_names = st.sampled_from(
    ["iss", "aud", "exp", "nbf", "iat", "scope", "client_id", "sub", "auth_time", "jku", "x"]
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(claim_names | st.text(max_size=6), json_values, max_size=8),
    st.dictionaries(claim_names, json_values, max_size=4),
)
@pytest.mark.slow
def test_any_json_claims_and_header_give_a_report(
    payload: dict[str, Any], header: dict[str, Any]
) -> None:
    d = decode_token(raw_token(header, payload, b"sig"))
    assert d.claims == payload
    _report_everything(d)


def test_decoding_is_fast() -> None:
    started = time.perf_counter()
    for _ in range(500):
        decode_token(VALID)
    assert time.perf_counter() - started < 1.0

"""Secrets in every form a server may echo them, and tokens in any snippet (issue 9, items 3, 6, 7)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab.core.redact import Redactor, mask_tokens

# +, /, = and a space change under URL-encoding and base64; é is not ASCII
CANARY = "CANARY+/= é-5ecret-7f3a"
CLIENT_IDS = ("com.acme/svc", "app", "https://acme.example/app id")
LEAKY_ACCESS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.bGVha3lhY2Nlc3N0b2tlbnNpZ25hdHVyZQ"
LEAKY_REFRESH = "leaky-refresh-token-0123456789abcdef"


def pieces(secret: str, size: int = 8) -> list[str]:
    """Every `size`-long piece of `secret` (a leak of part of it counts)."""
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def leaked(secret: str, text: str) -> list[str]:
    return [p for p in pieces(secret) if p in text]


def basic_forms(client_id: str, secret: str) -> list[str]:
    plain = f"{client_id}:{secret}"
    encoded = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"  # RFC 6749 2.3.1
    return [
        base64.b64encode(pair.encode()).decode()
        for pair in (plain, encoded, f"{quote_plus(client_id)}:{quote_plus(secret)}")
    ] + [base64.urlsafe_b64encode(plain.encode()).decode()]


def echoed_forms(secret: str) -> list[str]:
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote(secret, safe="").replace("%2B", "%2b").replace("%C3%A9", "%c3%a9"),
        json.dumps(secret)[1:-1],  # "\u00e9" as JSON writes it
    ]


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor()
    r.add_known(CANARY)
    return r


@pytest.mark.parametrize("form", range(len(echoed_forms(CANARY))))
def test_a_known_secret_is_masked_raw_url_encoded_and_json_escaped(
    redactor: Redactor, form: int
) -> None:
    echoed = echoed_forms(CANARY)[form]
    for text in (
        f"invalid client_secret {echoed} for this client",
        f"client_secret={echoed}&client_id=app",
        f'{{"description": "got {echoed}"}}',
    ):
        shown = redactor.text(text)
        assert echoed not in shown and not leaked(CANARY, shown), shown
        assert not leaked(quote(CANARY, safe=""), shown)
    body = redactor.body("text/plain", f"you sent: {echoed}".encode())
    assert echoed not in body


@pytest.mark.parametrize("client_id", CLIENT_IDS)
def test_basic_forms_of_a_known_secret_are_masked_with_or_without_the_scheme(
    redactor: Redactor, client_id: str
) -> None:
    for value in basic_forms(client_id, CANARY):
        for text in (
            f"Authorization: Basic {value}",
            f"credentials {value} were not accepted",
            json.dumps({"echo": {"authorization": f"Basic {value}"}}),
        ):
            shown = redactor.text(text)
            assert value not in shown and value[8:24] not in shown, shown
        headers = dict(redactor.headers([("X-Echo", value), ("Authorization", f"Basic {value}")]))
        assert value not in json.dumps(headers)


def test_any_basic_or_bearer_credential_is_masked_wholesale_without_knowing_it() -> None:
    unknown = base64.b64encode(b"someone:else-entirely").decode()
    shown = Redactor().text(f"proxy said: Authorization: Basic {unknown}; retry")
    assert unknown not in shown and "Basic c29t…" in shown and "; retry" in shown
    assert "opaque-0123456789" not in mask_tokens("sent Bearer opaque-0123456789abcdef")


def test_words_and_challenges_that_look_like_credentials_stay_readable() -> None:
    for text in (
        'Bearer realm="api", error="invalid_token", error_description="The token expired"',
        'Basic realm="Restricted"',
        "send a Bearer token, not Basic authentication",
        "the client auth method client_secret_basic is not allowed",
        "the refresh token was revoked",
        "scope=read update&grant_type=client_credentials",
    ):
        assert mask_tokens(text) == text


@pytest.mark.parametrize(
    "body",
    [
        f"access_token={LEAKY_ACCESS}&refresh_token={LEAKY_REFRESH}&token_type=Bearer",
        json.dumps([{"access_token": LEAKY_ACCESS, "refresh_token": LEAKY_REFRESH}]),
        ")]}'\n" + json.dumps({"access_token": LEAKY_ACCESS, "refresh_token": LEAKY_REFRESH}),
        json.dumps({"data": {"tokens": [{"id_token": LEAKY_ACCESS}]}, "refresh_token": 1})[:60]
        + f" refresh_token: {LEAKY_REFRESH}",
        f"<pre>token issued: {LEAKY_ACCESS[:40]}</pre> refresh_token={LEAKY_REFRESH[:25]}",
    ],
)
def test_token_shaped_values_in_any_snippet_are_masked_even_cut_off(body: str) -> None:
    for size in (len(body), 120, 90, 60):
        shown = mask_tokens(body)[:size]
        assert not leaked(LEAKY_ACCESS, shown) and not leaked(LEAKY_REFRESH, shown), shown
    assert not leaked(LEAKY_ACCESS, Redactor().body("", body.encode()))
    assert not leaked(LEAKY_REFRESH, Redactor().body("text/plain", body.encode()))


def test_reference_tokens_and_url_credentials_in_free_text() -> None:
    text = (
        "discovery at https://user:p%40ss-CANARY@acme.example/id?secret=CANARY-q&x=1 failed;"
        " key enrt_CANARY0123456789 rejected"
    )
    shown = mask_tokens(text)
    assert "CANARY" not in shown and "p%40ss" not in shown
    assert "@acme.example/id?secret=" in shown and "&x=1 failed" in shown


@given(st.text(max_size=200))
def test_masking_twice_changes_nothing_more(text: str) -> None:
    r = Redactor()
    r.add_known(CANARY)
    once = r.text(text + " " + urlencode({"client_secret": CANARY, "code": text[:30]}))
    assert r.text(once) == once


def test_the_token_endpoint_snippet_is_masked_before_it_is_cut() -> None:
    from tokenlab.core.explain import read_answer

    form = f"access_token={LEAKY_ACCESS}&refresh_token={LEAKY_REFRESH}".encode()
    for body in (form, b")]}'\n" + json.dumps([{"refresh_token": LEAKY_REFRESH}]).encode()):
        snippet = read_answer(200, "text/plain", body).snippet
        assert snippet and not leaked(LEAKY_ACCESS, snippet) and not leaked(LEAKY_REFRESH, snippet)
    r = Redactor()
    r.add_known(CANARY)
    padding = "x" * 280  # the description is cut at 300 characters: inside the secret
    echo = json.dumps({"error": "invalid_client", "error_description": padding + quote(CANARY)})
    answer = read_answer(400, "application/json", echo.encode(), r.text)
    assert answer.error == "invalid_client" and not leaked(
        quote(CANARY, safe=""), answer.description
    )

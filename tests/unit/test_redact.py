from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import assume, given
from hypothesis import strategies as st

from tokenlab.core.redact import SENSITIVE_FIELDS, Redactor, mask

SECRET = "s3cr3t-CANARY-value-0123456789"


def test_mask_keeps_a_short_prefix_and_the_length_only() -> None:
    assert mask(SECRET) == f"s3cr…({len(SECRET)} chars)"
    assert mask("abc") == "…(3 chars)"
    assert mask("") == ""


def test_form_body_masks_every_sensitive_field_and_keeps_the_rest() -> None:
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": SECRET,
            "code_verifier": SECRET + "v",
            "client_id": "com.acme/app",
        }
    ).encode()
    shown = Redactor().body("application/x-www-form-urlencoded", body)
    assert SECRET not in shown
    assert "grant_type=authorization_code" in shown
    assert "client_id=com.acme%2Fapp" in shown or "client_id=com.acme/app" in shown
    assert "code=s3cr" in shown


def test_json_body_masks_tokens_at_any_depth() -> None:
    body = json.dumps(
        {"access_token": SECRET, "nested": [{"refresh_token": SECRET}], "expires_in": 3600}
    ).encode()
    shown = Redactor().body("application/json; charset=utf-8", body)
    assert SECRET not in shown
    assert json.loads(shown)["expires_in"] == 3600


def test_headers_keep_the_scheme_and_mask_credentials() -> None:
    r = Redactor()
    headers = dict(
        r.headers(
            [
                ("Authorization", f"Bearer {SECRET}"),
                ("X-Api-Key", "enrt_" + SECRET),
                ("Accept", "application/json"),
            ]
        )
    )
    assert headers["Authorization"].startswith("Bearer s3cr…")
    assert SECRET not in headers["X-Api-Key"]
    assert headers["Accept"] == "application/json"


def test_urls_mask_sensitive_query_and_fragment_values_and_userinfo() -> None:
    r = Redactor()
    url = r.url(f"http://user:{SECRET}@127.0.0.1:8080/cb?code={SECRET}&state=abc#id_token={SECRET}")
    assert SECRET not in url
    assert "state=abc" in url
    location = r.header("Location", f"http://127.0.0.1/cb?code={SECRET}")
    assert SECRET not in location


def test_html_form_post_pages_and_bare_jwts_are_masked() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    html = f'<form><input type="hidden" name="code" value="{SECRET}"/><input type="hidden" name="state" value="xyz"/></form> {jwt}'
    shown = Redactor().body("text/html", html.encode())
    assert SECRET not in shown and jwt not in shown
    assert 'value="xyz"' in shown


def test_known_values_are_scrubbed_wherever_they_appear() -> None:
    r = Redactor()
    r.add_known(SECRET)
    assert SECRET not in r.text(f"an error page that echoes {SECRET} back")
    assert SECRET not in r.body("text/plain", f"x-custom: {SECRET}".encode())


def test_binary_bodies_are_described_not_dumped() -> None:
    assert (
        Redactor().body("application/octet-stream", b"\xff\xfe\x00\x01")
        == "<4 bytes of binary data>"
    )


secret_values = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N")), min_size=12, max_size=80
)


@given(
    field=st.sampled_from(sorted(SENSITIVE_FIELDS)), value=secret_values, other=st.text(max_size=20)
)
def test_no_sensitive_form_or_json_value_survives(field: str, value: str, other: str) -> None:
    assume(value not in other)
    r = Redactor()
    form = urlencode({field: value, "other": other}).encode()
    assert value not in r.body("application/x-www-form-urlencoded", form)
    if field != "code":  # in JSON, `code` is a business error code (test below)
        assert value not in r.body("application/json", json.dumps({"x": {field: value}}).encode())
    assert value not in r.url(f"https://h/p?{urlencode({field: value})}")


@given(
    st.binary(max_size=200),
    st.sampled_from(["application/json", "text/html", "application/x-www-form-urlencoded", ""]),
)
def test_any_body_renders_without_raising(raw: bytes, ctype: str) -> None:
    assert isinstance(Redactor().body(ctype, raw), str)


def test_business_error_codes_in_json_stay_readable_and_dollar_params_unencoded() -> None:
    r = Redactor()
    body = json.dumps({"message": "bad filter", "code": "InvalidFilter", "type": "Error"}).encode()
    assert json.loads(r.body("application/json", body))["code"] == "InvalidFilter"
    assert "$top=1" in r.url("https://h/api/domain/odata/Crm_Sales_Customers?$top=1&code=abcdefgh")


def test_non_sensitive_query_pairs_stay_exactly_as_written() -> None:
    url = "https://h/odata/Things?$filter=Name%20eq%20'a'&$top=1&code=abcdefgh12345678"
    shown = Redactor().url(url)
    assert "$filter=Name%20eq%20'a'&$top=1" in shown and "abcdefgh12345678" not in shown

"""Token endpoint answers explained in the platform's terms."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenlab.core.explain import explain, read_answer


def answer(error: str, description: str = "", status: int = 400) -> object:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return read_answer(status, "application/json", body)


@pytest.mark.parametrize(
    ("error", "flow", "public", "needles"),
    [
        ("invalid_client", "client-credentials", False, ["IsEnabled", "secret", "Confidential"]),
        ("invalid_client", "auth-code", True, ["Public", "must send no secret"]),
        ("unauthorized_client", "client-credentials", False, ["SystemUserAllowed", "SystemUser"]),
        ("unauthorized_client", "auth-code", False, ["interactive access", "enabled"]),
        ("invalid_grant", "auth-code", False, ["PKCE", "already used", "redirect URI"]),
        ("invalid_grant", "refresh", False, ["sign in again"]),
        ("invalid_redirect_uri", "auth-code", False, ["ImpersonateLoginUrl", "exactly"]),
        ("unsupported_grant_type", "client-credentials", False, ["does not allow this grant"]),
        ("invalid_request", "client-credentials", False, ["client_id", "client_secret"]),
        ("access_denied", "device", False, ["approve"]),
        ("expired_token", "device", False, ["device code expired"]),
        ("something_new", "client-credentials", False, ["something_new", "shown as it came"]),
    ],
)
def test_each_oauth_error_gets_the_platforms_explanation(
    error: str, flow: str, public: bool, needles: list[str]
) -> None:
    exc = explain(
        answer(error, "desc"),
        flow=flow,
        client_id="com.acme/app",
        scopes=("read",),
        public_client=public,
    )  # type: ignore[arg-type]
    text = exc.message + " " + exc.hint
    assert exc.error == error and exc.description == "desc"
    for needle in needles:
        assert needle in text, (needle, text)


def test_invalid_scope_names_the_scope_the_server_refused() -> None:
    exc = explain(
        answer("invalid_scope", "scope 'update' is not allowed"),  # type: ignore[arg-type]
        flow="client-credentials",
        client_id="com.acme/app",
        scopes=("read", "update"),
        public_client=False,
    )
    assert "the scope 'update'" in exc.message and "Scope list" in exc.hint


@pytest.mark.parametrize(
    ("ctype", "body", "needle"),
    [
        (
            "text/html",
            b"<html><title>Access denied</title></html>",
            "HTML page titled 'Access denied'",
        ),
        ("", b"", "empty body"),
        ("text/plain", b"upstream connect error", "without an OAuth error"),
        ("application/json", b'{"message": "oops"}', "without an OAuth error"),
    ],
)
def test_non_oauth_answers_are_named_for_what_they_are(
    ctype: str, body: bytes, needle: str
) -> None:
    exc = explain(
        read_answer(502, ctype, body),
        flow="client-credentials",
        client_id="c",
        scopes=(),
        public_client=False,
    )
    assert needle in exc.message and exc.status == 502 and exc.hint


@given(st.integers(100, 599), st.text(max_size=30), st.binary(max_size=300))
@pytest.mark.slow
def test_any_answer_is_explained_without_raising(status: int, ctype: str, body: bytes) -> None:
    exc = explain(
        read_answer(status, ctype, body),
        flow="auth-code",
        client_id="c",
        scopes=("read",),
        public_client=True,
    )
    assert exc.message and exc.hint

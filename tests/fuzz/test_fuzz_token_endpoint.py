"""Fuzzing token endpoint answers: whatever the token endpoint sends back to a client
credentials request, `run_flow` returns a result or raises a `TokenlabError`, and the token
that came back stays out of the error.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.authority import (
    AUTHORITY,
    DISCOVERY_PATH,
    GOOD_DISCOVERY,
    INSTANCE,
    TOKEN_PATH,
    Answer,
    client_for,
    json_answer,
    run,
)
from tests.fuzz.strategies import Raw, bodies, edited, fuzz, huge_numbers, to_json_text
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import new_profile
from tokenlab.core.secrets import SecretKind, SecretStore

pytestmark = pytest.mark.slow

ISSUED = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2lnbmF0dXJlLW9mLXRoZS1mdXp6LXRva2Vu"
PROFILE = new_profile(
    "fuzz-service",
    INSTANCE,
    "service-app",
    client_id="com.fuzz/app",
    authority_url=AUTHORITY,
    scopes=("read", "update"),
)

GOOD_BODY = {"access_token": ISSUED, "token_type": "Bearer", "expires_in": 3600, "scope": "read"}
token_docs = edited(
    [GOOD_BODY, {"error": "invalid_scope", "error_description": "no"}],
    {
        "access_token": st.sampled_from([ISSUED, "", "enrt_abc"]) | st.text(max_size=10),
        "token_type": st.sampled_from(["Bearer", "bearer", "DPoP", "N_A"]),
        "expires_in": st.integers(-10, 10**6) | huge_numbers | st.text(max_size=5),
        "scope": st.sampled_from(["read update", "", "openid"])
        | st.lists(st.sampled_from(["read", "update"]) | huge_numbers, max_size=3),
        "refresh_token": st.sampled_from(["r1", ""]),
        "id_token": st.sampled_from([ISSUED, "x"]),
        "error": st.sampled_from(["invalid_client", "invalid_scope", "unauthorized_client", ""]),
        "error_description": st.text(max_size=40),
        "message": st.text(max_size=20),
    },
)


def token_answers() -> st.SearchStrategy[Answer]:
    content_types = st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "text/html",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ]
    )
    return st.tuples(
        st.sampled_from([200, 200, 200, 200, 400, 401, 500, 302, 204]),
        content_types.map(lambda ctype: {"content-type": ctype}),
        bodies(token_docs),
    )


def _json(doc: Any, status: int = 200) -> Answer:
    return status, {"content-type": "application/json"}, to_json_text(doc).encode()


async def _token(answer: Answer) -> None:
    served = {DISCOVERY_PATH: json_answer(GOOD_DISCOVERY), TOKEN_PATH: answer}
    store = SecretStore(env={})
    store.remember(PROFILE.name, SecretKind.CLIENT_SECRET, "fuzz-client-secret")
    bus = Bus()
    async with client_for(served, bus=bus, redactor=store.redactor) as client:
        try:
            result = await run_flow(PROFILE, secrets=store, bus=bus, client=client)
        except TokenlabError as exc:
            assert exc.message and ISSUED not in str(exc)
            return
    result.to_json()
    assert isinstance(result.api_token.access_token, str)


@fuzz
@given(token_answers())
@example(_json(GOOD_BODY))
# a token response nested 100,000 deep (RecursionError)
@example((200, {"content-type": "application/json"}, b"[" * 100_000 + b"]" * 100_000))
# an error answer nested 100,000 deep (RecursionError while reading the error)
@example((400, {"content-type": "application/json"}, b'{"error":' + b"[" * 100_000))
# expires_in beyond any float: json reads 1e400 as inf (OverflowError in token_set_from)
@example(_json({"access_token": ISSUED, "expires_in": Raw("1e400")}))
# an access token holding a lone surrogate (valid JSON escape, not encodable as UTF-8)
@example((200, {"content-type": "application/json"}, b'{"access_token":"   \\ud800"}'))
def test_token_answers_end_in_a_token_or_our_error(answer: Answer) -> None:
    run(_token(answer))

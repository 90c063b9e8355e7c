"""Fuzzing what a user pastes after signing in: the redirect address, a bare code or the words
of an error page. `parse_pasted` and then `parse_callback` end in an answer or a `TokenlabError`.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.authority import AUTHORITY, INSTANCE
from tests.fuzz.strategies import fuzz, odd_urls
from tokenlab.core.errors import TokenlabError
from tokenlab.core.flows.authorize import (
    AUTHORIZE_ERRORS,
    AuthorizeRequest,
    parse_callback,
    parse_pasted,
)
from tokenlab.core.profiles import new_profile

pytestmark = pytest.mark.slow

AUTHORIZE = f"{AUTHORITY}/connect/authorize"
REDIRECT = "http://127.0.0.1:8400/callback"
STATE = "the-state-of-this-sign-in"
PROFILE = new_profile("fuzz-web", INSTANCE, "web-app", client_id="com.fuzz/web")
REQUEST = AuthorizeRequest(
    url=f"{AUTHORIZE}?state={STATE}",
    redirect_uri=REDIRECT,
    state=STATE,
    nonce="n",
    code_verifier="v",
    response_type="code",
    response_mode="query",
    scopes=("openid",),
)

values = st.one_of(
    st.sampled_from(["", "abc", STATE, AUTHORITY, "%", "%zz", "%ud800", "+", "&", "#", "="]),
    st.sampled_from(
        [STATE + "\udcff", "\ud800", "a\x00b"]
    ),  # undecodable bytes read from a terminal
    st.text(max_size=12).map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
    st.text(max_size=8),
)
names = st.sampled_from(
    ["code", "state", "error", "error_description", "iss", "id_token", "session_state", "x"]
)
query = st.lists(st.tuples(names, values), max_size=5).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
bases = st.one_of(
    st.sampled_from([REDIRECT, AUTHORIZE, "https://app.example/cb", "", "http://127.0.0.1:0"]),
    odd_urls,
)
addresses = st.builds(
    lambda base, sep, q, frag: f"{base}{sep}{q}" + (f"#{frag}" if frag is not None else ""),
    bases,
    st.sampled_from(["?", "#", "", "?#"]),
    query,
    st.none() | query,
)
error_pages = st.builds(
    lambda before, error, after: f"{before}{error}{after}",
    st.sampled_from(["", "Sorry: ", "error: ", "\n"]),
    st.sampled_from(AUTHORIZE_ERRORS),
    st.text(max_size=30),
)
pasted = st.one_of(
    addresses,
    addresses,
    error_pages,
    st.builds(lambda quote_mark, q: quote_mark + q, st.sampled_from(["", "'", "<", "?"]), query),
    st.text(max_size=60),
    st.text(st.sampled_from("code=&?#:/[]%\"' \n"), max_size=40),
)


def _paste(text: str) -> None:
    try:
        answer = parse_pasted(
            text, authorization_endpoint=AUTHORIZE, profile=PROFILE, redirect_uri=REDIRECT
        )
        checked = parse_callback(
            answer.params,
            REQUEST,
            profile=PROFILE,
            issuer=AUTHORITY,
            state_required=not answer.bare_code,
        )
    except TokenlabError as exc:
        assert exc.message and exc.hint
        return
    assert checked.code


@fuzz
@given(pasted)
@example(f"{REDIRECT}?code=abc&state={STATE}")
# an unclosed IPv6 literal: urlsplit raised ValueError (fixed here, in parse_pasted)
@example("http://[::1/callback?code=abc")
# a lone surrogate (bytes that were not UTF-8, read from a terminal) in the state: comparing it
# raised UnicodeEncodeError (fixed here, in parse_pasted)
@example(f"{REDIRECT}?code=abc&state=\ud800")
def test_pasted_answers_end_in_a_code_or_our_error(text: str) -> None:
    _paste(text)

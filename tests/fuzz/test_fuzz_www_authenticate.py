"""Fuzzing `WWW-Authenticate`: the lenient parser never raises, the strict one raises only
`ChallengeParseError`, and whatever was read can be shown and written back.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import fuzz
from tokenlab.core.www_authenticate import (
    MAX_HEADER_CHARS,
    Challenge,
    ChallengeParseError,
    find_challenge,
    format_challenges,
    parse_www_authenticate,
)

pytestmark = pytest.mark.slow

PIECES = [
    "Bearer",
    "Basic",
    "DPoP",
    " ",
    "\t",
    ",",
    "=",
    '"',
    "\\",
    "realm",
    'realm="api"',
    "error=invalid_token",
    'error_description="the token expired"',
    'scope="read update"',
    'resource_metadata="https://acme.example/.well-known/oauth-protected-resource"',
    "abc==",
    "\x00",
    "\x1b[2J",
    "\n",
    "\r\n",
    "\u00e9",
    "\u202e",
    "\ud800",
    "\uffff",
]
header_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.text(max_size=60),
    st.text(st.sampled_from('Bearer realm="x", ,=\\\t'), max_size=60),
    st.sampled_from(["Bearer ", '"', "x" * (MAX_HEADER_CHARS + 1), ",\\"]),
)
headers: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    header_text,
    header_text,
    st.lists(header_text, max_size=3),
    st.lists(header_text | st.none() | st.integers() | st.binary(max_size=4), max_size=3),
)


def _shown(challenges: list[Challenge]) -> None:
    """What a probe does with the challenges: find Bearer, read its fields, write them back."""
    bearer = find_challenge(challenges)
    if bearer is not None:
        fields = (bearer.error, bearer.error_description, bearer.resource_metadata)
        assert all(f is None or isinstance(f, str) for f in fields)
        assert all(isinstance(s, str) for s in bearer.scope)
    for challenge in challenges:
        challenge.to_json()
    format_challenges(challenges)


@fuzz
@given(headers)
@example('Bearer realm="api", error="invalid_token"')
@example(['Bearer realm="a', None, b"\xff"])
def test_any_header_parses_leniently_and_strictly_raises_only_our_error(header: Any) -> None:
    _shown(parse_www_authenticate(header))  # lenient: never raises
    try:
        strict = parse_www_authenticate(header, strict=True)
    except ChallengeParseError as exc:
        assert exc.message and exc.hint
        return
    _shown(strict)
    # what strict mode reads, lenient mode reads the same
    assert strict == parse_www_authenticate(header)

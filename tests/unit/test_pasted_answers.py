"""What a user pastes after signing in that is not an address at all still gets a clear error."""

from __future__ import annotations

import pytest

from tokenlab.core.flows.authorize import SignInError, parse_pasted
from tokenlab.core.profiles import new_profile

PROFILE = new_profile("paste", "https://acme.example", "web-app", client_id="com.acme/web")
ENDPOINT = "https://acme.example/id/connect/authorize"
REDIRECT = "http://127.0.0.1/callback"


def paste(text: str) -> object:
    return parse_pasted(
        text, authorization_endpoint=ENDPOINT, profile=PROFILE, redirect_uri=REDIRECT
    )


def test_an_address_python_cannot_split_is_refused_in_words() -> None:
    with pytest.raises(SignInError) as caught:
        paste("http://[::1/callback?code=abc")  # an unclosed IPv6 bracket
    assert caught.value.message == "what was pasted is not a valid address"


def test_undecodable_bytes_in_a_paste_are_refused_before_the_state_is_compared() -> None:
    # a terminal that read bytes that were not UTF-8 hands them over as lone surrogates
    with pytest.raises(SignInError) as caught:
        paste(f"{REDIRECT}?code=abc&state=\udcff")
    assert "not text" in caught.value.message and caught.value.hint

"""A refused client assertion is explained by its usual suspects, not by proxies; the same
answers for a client with a secret keep their own meanings."""

from __future__ import annotations

import pytest

from tokenlab.core.explain import Answer, explain


def _explained(answer: Answer, auth: str, **kw: str):  # type: ignore[no-untyped-def]
    return explain(
        answer,
        flow="client-credentials",
        client_id="com.acme/jwt",
        scopes=("read",),
        public_client=False,
        client_auth=auth,
        **kw,
    )


EMPTY_403 = Answer(403, "", "", "empty")
INVALID_CLIENT = Answer(401, "invalid_client", "", "json")


@pytest.mark.parametrize("answer", [EMPTY_403, Answer(401, "", "", "empty"), INVALID_CLIENT])
def test_a_refused_assertion_names_kid_aud_alg_and_clock(answer: Answer) -> None:
    err = _explained(answer, "private_key_jwt")
    said = f"{err.message} {err.hint}"
    assert err.cause == "client-assertion-refused"
    for suspect in ("kid", "aud", "RS256", "ES256", "clock", "iat"):
        assert suspect in said
    assert "proxy" not in said and "firewall" not in said and "secret is right" not in said
    assert err.remedy is not None and err.remedy.get("field") == "key_id"


def test_with_a_kid_the_audience_is_the_next_suspect() -> None:
    err = _explained(INVALID_CLIENT, "private_key_jwt", key_id="k1", assertion_audience="issuer")
    assert "it carried kid 'k1'" in err.hint and "aud was the issuer" in err.hint
    assert "some providers want the token endpoint" in err.hint
    assert err.remedy is not None and err.remedy.get("field") == "assertion_audience"


def test_the_same_answers_for_a_secret_keep_their_meanings() -> None:
    assert _explained(EMPTY_403, "client_secret_basic").cause == "token-endpoint-empty"
    assert "proxy" in _explained(EMPTY_403, "client_secret_basic").hint
    assert _explained(INVALID_CLIENT, "client_secret_basic").cause == "invalid-client"
    # a 500 with an empty body is not a refused assertion
    assert (
        _explained(Answer(500, "", "", "empty"), "private_key_jwt").cause == "token-endpoint-empty"
    )

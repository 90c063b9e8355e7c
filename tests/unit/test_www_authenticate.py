"""The `WWW-Authenticate` parser: RFC examples, real servers' headers, and property tests."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenlab.core.errors import TokenlabError
from tokenlab.core.www_authenticate import (
    MAX_HEADER_CHARS,
    Challenge,
    ChallengeParseError,
    find_challenge,
    format_challenges,
    parse_www_authenticate,
    quote,
)


def parse(header: str | list[str], strict: bool = True) -> list[Challenge]:
    return parse_www_authenticate(header, strict=strict)


# -- RFC examples ---------------------------------------------------------------------------------


def test_rfc9110_example_two_challenges_with_an_escaped_quote() -> None:
    header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'
    newauth, basic = parse(header)
    assert newauth.scheme == "Newauth" and newauth.token68 is None
    assert dict(newauth.params) == {"realm": "apps", "type": "1", "title": 'Login to "apps"'}
    assert basic.scheme == "Basic" and basic.realm == "simple"


def test_rfc6750_examples() -> None:
    (missing,) = parse('Bearer realm="example"')
    assert missing.realm == "example" and missing.error is None and missing.scope == ()
    (expired,) = parse(
        'Bearer realm="example",\n error="invalid_token",\n error_description="The access token expired"'.replace(
            "\n", ""
        )
    )
    assert expired.error == "invalid_token"
    assert expired.error_description == "The access token expired"
    (scoped,) = parse(
        'Bearer realm="DomainAPI", error="insufficient_scope", scope="read update", '
        'error_uri="https://example.com/errors#scope"'
    )
    assert scoped.scope == ("read", "update")
    assert scoped.error_uri == "https://example.com/errors#scope"


def test_rfc9728_resource_metadata() -> None:
    (c,) = parse(
        'Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"'
    )
    assert (
        c.resource_metadata == "https://resource.example.com/.well-known/oauth-protected-resource"
    )


@pytest.mark.parametrize(
    ("header", "token68"),
    [
        ("Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("Basic abc==", "abc=="),
        ("Basic abc=", "abc="),
        ("Bearer realm=", "realm="),  # by the grammar a token68, not a parameter without value
        ("Negotiate YII+/ab-._~==", "YII+/ab-._~=="),
    ],
)
def test_token68(header: str, token68: str) -> None:
    (c,) = parse(header)
    assert c.token68 == token68 and dict(c.params) == {}


def test_token68_then_another_challenge() -> None:
    basic, bearer = parse('Basic abc==, Bearer realm="x"')
    assert basic.token68 == "abc==" and bearer.realm == "x"


# -- messy but valid -----------------------------------------------------------------------------


def test_case_insensitive_scheme_and_names() -> None:
    (c,) = parse('bEARER REALM="x", Error=invalid_token, ERROR_DESCRIPTION="d"')
    assert c.is_scheme("Bearer") and c.scheme == "bEARER"
    assert c.realm == "x" and c.error == "invalid_token" and c.get("Error_Description") == "d"
    assert find_challenge([c], "bearer") is c


def test_whitespace_empty_elements_and_bws() -> None:
    header = ' , ,Bearer   realm = "x" ,,\terror=invalid_token\t, , Basic ,'
    bearer, basic = parse(header)
    assert dict(bearer.params) == {"realm": "x", "error": "invalid_token"}
    assert basic.scheme == "Basic" and basic.token68 is None and dict(basic.params) == {}


def test_escapes_and_commas_inside_quoted_strings() -> None:
    (c,) = parse(r'Bearer error_description="a, b=c \"d\" \\e \f", realm=r')
    assert c.error_description == 'a, b=c "d" \\e f' and c.realm == "r"


def test_several_header_lines_are_one_list() -> None:
    lines = ['Bearer realm="DomainAPI"', 'Basic realm="b", Negotiate']
    bearer, basic, negotiate = parse(lines)
    assert bearer.realm == "DomainAPI" and basic.realm == "b" and negotiate.scheme == "Negotiate"


def test_a_line_may_continue_the_previous_challenge() -> None:
    (c,) = parse(['Bearer realm="x"', 'error="invalid_token"'])
    assert c.realm == "x" and c.error == "invalid_token"


def test_empty_and_none() -> None:
    assert parse("") == [] and parse([]) == [] and parse_www_authenticate(None) == []
    assert parse(" , ,, ") == []


def test_obs_text_in_quoted_strings_is_kept() -> None:
    (c,) = parse('Bearer error_description="caf\xe9"')
    assert c.error_description == "caf\xe9"


# -- malformed: strict raises our error, lenient keeps what it can ---------------------------------


@pytest.mark.parametrize(
    ("header", "lenient"),
    [
        ('Bearer realm="x', [Challenge("Bearer", None, {"realm": "x"})]),
        (
            'Bearer realm="x" junk, error=e',
            [Challenge("Bearer", None, {"realm": "x", "error": "e"})],
        ),
        ('realm="x", Bearer', [Challenge("Bearer")]),
        ("=, Bearer", [Challenge("Bearer")]),
        ("Bearer a=b, realm=", [Challenge("Bearer", None, {"a": "b"})]),
        ('Bearer realm="a", realm="b"', [Challenge("Bearer", None, {"realm": "a"})]),
        ("Basic abc==, realm=x", [Challenge("Basic", "abc==")]),
        ('Bearer error="a\x01b"', [Challenge("Bearer", None, {"error": "a\x01b"})]),
        ("Bearer@ realm=x", [Challenge("Bearer")]),
        ('"quoted", Basic', [Challenge("Basic")]),
    ],
)
def test_malformed_headers(header: str, lenient: list[Challenge]) -> None:
    with pytest.raises(ChallengeParseError) as err:
        parse(header, strict=True)
    assert "column" in err.value.message and err.value.hint
    assert parse(header, strict=False) == lenient


def test_a_broken_quote_does_not_swallow_the_next_line() -> None:
    lenient = parse(['Bearer error_description="unterminated', 'Basic realm="b"'], strict=False)
    assert [c.scheme for c in lenient] == ["Bearer", "Basic"]


def test_error_excerpt_is_short_so_no_token_appears_whole() -> None:
    token = "eyJ" + "a" * 200
    with pytest.raises(ChallengeParseError) as err:
        parse(f'Bearer token="{token}" {token}')
    assert token not in str(err.value)


def test_oversized_header() -> None:
    huge = "Bearer " + ", ".join(f"p{i}=v" for i in range(MAX_HEADER_CHARS // 4))
    with pytest.raises(ChallengeParseError):
        parse(huge)
    assert parse(huge, strict=False) == []  # nothing read past the limit: bounded work


def test_not_text_lines() -> None:
    assert parse_www_authenticate([b"Bearer"], strict=False) == []  # type: ignore[list-item]
    with pytest.raises(ChallengeParseError):
        parse_www_authenticate([b"Bearer"], strict=True)  # type: ignore[list-item]


# -- round trip ---------------------------------------------------------------------------------


def test_format_quotes_and_escapes() -> None:
    c = Challenge("Bearer", None, {"error_description": 'say "hi" \\ bye'})
    assert c.to_header() == r'Bearer error_description="say \"hi\" \\ bye"'
    assert quote("") == '""'
    assert parse(c.to_header()) == [c]


# -- property tests ------------------------------------------------------------------------------

TOKEN_ALPHABET = "!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits
TOKEN68_ALPHABET = "-._~+/" + string.ascii_letters + string.digits
tokens = st.text(TOKEN_ALPHABET, min_size=1, max_size=12)
# Any value a quoted-string can carry: VCHAR, SP, HTAB and obs-text (escaped when formatted).
QUOTABLE = [chr(c) for c in (0x09, *range(0x20, 0x7F), *range(0x80, 0x100))]
values = st.text(st.sampled_from(QUOTABLE), max_size=20)
token68s = st.builds(
    lambda body, pad: body + "=" * pad,
    st.text(TOKEN68_ALPHABET, min_size=1, max_size=16),
    st.integers(0, 2),
)


@st.composite
def challenges(draw: st.DrawFn) -> Challenge:
    scheme = draw(tokens)
    if draw(st.booleans()):
        return Challenge(scheme, draw(token68s))
    names = draw(st.lists(tokens.map(str.lower), unique=True, max_size=5))
    return Challenge(scheme, None, {n: draw(values) for n in names})


@given(st.lists(challenges(), max_size=5))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip_of_random_challenges(items: list[Challenge]) -> None:
    header = format_challenges(items)
    assert parse(header, strict=True) == items
    assert parse(header, strict=False) == items


@given(st.lists(challenges(), min_size=1, max_size=4))
@settings(max_examples=100)
def test_round_trip_across_header_lines(items: list[Challenge]) -> None:
    assert parse([c.to_header() for c in items], strict=True) == items


HEADER_CHARS = st.sampled_from(list(TOKEN_ALPHABET + ' \t,="\\/\x00\x01\x7f\xe9\u20ac\n'))


@given(st.text(HEADER_CHARS, max_size=80) | st.text(max_size=80))
@settings(max_examples=250)
def test_random_text_raises_only_our_error(header: str) -> None:
    try:
        parse(header, strict=True)
    except ChallengeParseError as exc:
        assert isinstance(exc, TokenlabError) and exc.message
    result = parse(header, strict=False)  # lenient never raises
    assert all(isinstance(c, Challenge) for c in result)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid header with characters deleted, inserted or replaced."""
    header = list(format_challenges(draw(st.lists(challenges(), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace"]))
        if not header:
            header.append(draw(HEADER_CHARS))
            continue
        i = draw(st.integers(0, len(header) - 1))
        if op == "delete":
            del header[i]
        elif op == "insert":
            header.insert(i, draw(HEADER_CHARS))
        else:
            header[i] = draw(HEADER_CHARS)
    return "".join(header)


@given(mutated())
@settings(max_examples=250)
def test_mutated_headers_raise_only_our_error(header: str) -> None:
    try:
        result = parse(header, strict=True)
    except ChallengeParseError:
        result = None
    lenient = parse(header, strict=False)
    if result is not None:
        assert lenient == result  # where strict succeeds, both modes agree

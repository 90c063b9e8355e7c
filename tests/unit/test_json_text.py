"""The one reader of other people's JSON: bounded, strict about constants, honest about
repeated names, and never a RecursionError."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.core.json_text import (
    MAX_JSON_DEPTH,
    JsonTextError,
    nests_deeper_than,
    read_json,
)


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 100_000],
    ids=["arrays", "objects", "unclosed"],
)
def test_deep_nesting_is_refused_before_parsing(text: str) -> None:
    with pytest.raises(JsonTextError) as caught:
        read_json(text)
    assert caught.value.problem == "too-deep"
    assert caught.value.reason == f"nests JSON more than {MAX_JSON_DEPTH} levels deep"


def test_the_depth_limit_is_exact_and_brackets_in_strings_do_not_count() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert read_json(at_limit).value is not None
    with pytest.raises(JsonTextError):
        read_json("[" + at_limit + "]")
    text = json.dumps({"note": "[[[[{{{{" * 1000, "escaped": '\\"[[[['})
    assert read_json(text, max_depth=2).value["note"].startswith("[[[[")
    assert not nests_deeper_than(text, 1)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(JsonTextError, match=f"{constant} is not a JSON number"):
        read_json(f'{{"exp": {constant}}}')


def test_repeated_names_are_reported_and_the_last_wins() -> None:
    read = read_json(b'{"alg": "RS256", "alg": "none", "kid": "a"}')
    assert read.value == {"alg": "none", "kid": "a"} and read.duplicate_names == ("alg",)


@pytest.mark.parametrize(
    ("data", "problem", "says"),
    [
        (b"\xff\xfe{}", "not-text", "is not text (not UTF-8)"),
        (b'{"a": ', "not-json", "is not JSON (Expecting value at line 1 column 7)"),
        (b"[" + b"9" * 5000 + b"]", "not-json", "a number is too long"),
        (b" " * (4 * 1024 * 1024 + 1), "too-large", "is more than 4,194,304 characters of JSON"),
    ],
    ids=["not-text", "not-json", "long-number", "too-large"],
)
def test_each_failure_says_why(data: bytes, problem: str, says: str) -> None:
    with pytest.raises(JsonTextError) as caught:
        read_json(data)
    assert caught.value.problem == problem and says in caught.value.reason


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}",:\\ 0a', max_size=400))
def test_any_bracket_soup_gives_a_value_or_a_json_text_error(text: str) -> None:
    with contextlib.suppress(JsonTextError):
        read_json(text, max_depth=8)

"""The second round of hot-path shortcuts gives the same answers as the long way: base64url in
one strict C pass, one shared JSON decoder, encodings skipped for text no encoding changes,
checks filled without object.__setattr__, an answer's URL masked only for an error."""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import re
import string
from urllib.parse import quote, quote_plus

import pytest

from tokenlab.core.errors import ResponseTooLargeError
from tokenlab.core.http_body import CappedBody
from tokenlab.core.inspection.checks import Check
from tokenlab.core.inspection.claims import time_problem
from tokenlab.core.inspection.decode import TokenFormatError, _b64decode
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.redact import encoded_forms


def _every_form(value: str) -> set[str]:
    """encoded_forms the long way, as it was before its shortcut."""
    forms = {value, json.dumps(value)[1:-1]}
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return forms
    return forms | {
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def test_the_forms_of_a_value_are_those_of_every_encoding() -> None:
    rng = random.Random(11)
    plain = string.ascii_letters + string.digits + "_.~-"
    odd = string.printable + 'é€\u2028\ud800+/%&= "\\'
    values = ["", "demo-service-secret", "a.b-c_d~e", "with space", "pct%41", "ünï"]
    values += ["".join(rng.choice(plain) for _ in range(rng.randint(1, 60))) for _ in range(500)]
    values += ["".join(rng.choice(odd) for _ in range(rng.randint(1, 30))) for _ in range(2000)]
    for value in values:
        assert encoded_forms(value) == _every_form(value), repr(value)


def _read_the_long_way(text: str) -> tuple[object, tuple[str, ...]]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen = dict(items)
        if len(seen) != len(items):
            found: set[str] = set()
            for key, _ in items:
                if key in found:
                    duplicates.append(key)
                found.add(key)
        return seen

    return json.loads(text, object_pairs_hook=pairs), tuple(dict.fromkeys(duplicates))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [1, 2, {"c": null}]}',
        '{"a": 1, "a": 2, "b": {"c": 1, "c": 3}, "b": 0}',  # repeated names: read again
        '[{"x": 1, "x": 1}, {"y": 2}]',
        '"text"',
        "  42  ",
    ],
)
def test_one_shared_decoder_reads_what_json_loads_reads(text: str) -> None:
    read = read_json(text)
    assert (read.value, read.duplicate_names) == _read_the_long_way(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\ufeff{}", "Unexpected UTF-8 BOM"),  # as json.loads says of a BOM in text
        ("[NaN]", "NaN is not a JSON number"),
        ('{"a":', "Expecting value"),
    ],
)
def test_the_shared_decoder_refuses_what_it_refused(text: str, reason: str) -> None:
    with pytest.raises(JsonTextError, match=reason):
        read_json(text)


def test_base64url_parts_decode_as_urlsafe_b64decode_does_and_errors_name_the_character() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        raw = rng.randbytes(rng.randint(0, 200))
        assert _b64decode(base64.urlsafe_b64encode(raw).decode().rstrip("="), "x", []) == raw
    for bad, said in [
        ("ab+c", "unexpected '+' at position 2"),  # standard base64, not base64url
        ("ab/c", "unexpected '/' at position 2"),
        ("abc=d", "unexpected '=' at position 3"),
        ("abc.", "unexpected '.' at position 3"),
        ("é", "unexpected 'é' at position 0"),
        ("abcde", "impossible base64url length (5)"),
    ]:
        with pytest.raises(TokenFormatError, match=re.escape(said)):
            _b64decode(bad, "x", [])


def test_numeric_dates_in_range_need_no_second_look_and_the_rest_still_say_why() -> None:
    assert time_problem(1764790829) is None and time_problem(1.5) is None
    assert time_problem(True) == "it is bool, not a number"
    assert time_problem(float("nan")) == "it is NaN, not a number"
    assert time_problem(2**70) == "the number is too large to be a time"
    assert time_problem(253_402_300_800) == "the number is outside the years 1 to 9999"


def test_a_check_filled_directly_is_the_same_frozen_dataclass() -> None:
    check = Check("issuer", "pass", "seen", "wanted", "why")
    assert check == Check("issuer", "pass", "seen", "wanted", "why", None)
    assert hash(check) == hash(Check("issuer", "pass", "seen", "wanted", "why"))
    assert repr(check).startswith("Check(name='issuer', status='pass'")
    assert dataclasses.replace(check, status="fail").status == "fail"
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.status = "fail"  # type: ignore[misc]


def test_an_answer_is_named_only_when_an_error_needs_it() -> None:
    asked: list[str] = []

    def where() -> str:
        asked.append("asked")
        return "http://127.0.0.1/masked"

    body = CappedBody((), cap=10, where=where)
    body.feed(b"small")
    assert body.finish() == b"small" and asked == []
    too_big = CappedBody((), cap=3, where=where)
    with pytest.raises(ResponseTooLargeError, match=re.escape("from http://127.0.0.1/masked")):
        too_big.feed(b"larger")
    assert asked == ["asked"]


def test_a_quiet_trace_takes_only_the_users_actions_so_no_exchange_is_recorded_for_it() -> None:
    import io

    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.events import Bus, HttpExchange, UserActionRequired

    quiet, loud = Bus(), Bus()
    out = io.StringIO()
    TracePrinter(out, quiet=True).attach(quiet)
    TracePrinter(out).attach(loud)
    assert quiet.wants(UserActionRequired) and not quiet.wants(HttpExchange)
    assert loud.wants(HttpExchange)
    quiet.publish(
        UserActionRequired(
            run_id="r", action="open-url", message="open this page", url="https://x/"
        )
    )
    assert "open this page" in out.getvalue()

"""The one rule for server text on its way to a terminal (issue 9, item 4)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tokenlab.core.inspection.claims import printable as claim_printable
from tokenlab.core.probing import printable as body_printable
from tokenlab.core.terminal_text import inert, inert_line, json_inert

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
# Every kind the rule covers: C0, DEL, C1 (CSI, NEL), lone CR, bidi, zero width, separators.
HOSTILE = [
    "\x1b",
    "\x07",
    "\x00",
    "\x7f",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u200b",
    "\u2028",
    "\ufeff",
]


def test_escapes_clipboard_writes_screen_clears_and_fake_lines_become_visible_text() -> None:
    text = f"{OSC52}\x1b[2J\x1b[H\rtokenlab: token issued OK\x1b[0m"
    shown = inert(text)
    assert shown == ("\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b[H\\rtokenlab: token issued OK\\x1b[0m")
    assert not any(c in shown for c in [*HOSTILE, "\r"])


def test_every_hostile_character_is_shown_as_an_escape_and_text_stays_readable() -> None:
    for char in HOSTILE:
        assert char not in inert(f"a{char}b") and inert(f"a{char}b").startswith("a\\")
    assert inert("\u202eevil") == "\\u202eevil"
    assert inert("\x9b2J") == "\\x9b2J"
    assert inert("tab\tand\nnewline and CRLF\r\n") == "tab\tand\nnewline and CRLF\r\n"
    assert inert("Größe 5 € — 日本 🙂") == "Größe 5 € — 日本 🙂"
    assert inert("\U000e0041") == "\\U000e0041"  # an invisible tag character
    assert inert("\ud800") == "\\ud800"  # a lone surrogate cannot even be written as UTF-8


def test_one_line_text_shows_its_line_breaks() -> None:
    assert inert_line("a\nb\r\nc\td") == "a\\nb\\r\\nc\\td"
    assert inert_line("x\x1by") == "x\\x1by"


def test_claims_and_probe_bodies_use_the_same_rule() -> None:
    text = "\x1b[31mred\u202e\x9b"
    assert body_printable(text) == inert(text)
    assert claim_printable(text) == inert_line(text) == "\\x1b[31mred\\u202e\\x9b"


JSON_VALUES = st.recursive(
    st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)


@given(JSON_VALUES)
def test_json_output_escapes_the_rest_and_round_trips(value: object) -> None:
    dumped = json_inert(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(dumped) == value
    assert not any(c in dumped for c in HOSTILE)
    dumped.encode("utf-8")  # lone surrogates are escapes now: the text can be written


def test_json_escapes_c1_and_bidi_that_json_dumps_lets_through() -> None:
    value = {"d": "\x9b2J\u202eKO\u2066\x85\x7f\U000e0041"}
    raw = json.dumps(value, ensure_ascii=False)
    assert "\x9b" in raw and "\u202e" in raw  # what json.dumps alone writes
    dumped = json_inert(raw)
    assert dumped == '{"d": "\\u009b2J\\u202eKO\\u2066\\u0085\\u007f\\udb40\\udc41"}'
    assert json.loads(dumped) == value

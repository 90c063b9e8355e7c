"""The one rule for server-supplied text on its way to a terminal, a file or a report: made inert.

A server (or a token's author) can write anything into an error description, a header, a claim
or a body. Before it reaches a screen, every character that could drive the terminal or hide
what the text says is shown as an escape (`\\x1b`, `\\u202e`) instead:
- C0 controls except tab and newline, DEL, and C1 controls (ESC sequences, OSC 52 clipboard
  writes, screen clears, the C1 CSI `\\x9b`);
- a carriage return that does not end a line (it would overwrite the line: a fake "OK");
- invisible format characters: bidi overrides, embeddings, isolates and marks (the text would
  read in another order than it is written), zero-width characters, soft hyphen, BOM, tag
  characters; and the Unicode line and paragraph separators;
- lone surrogates (they cannot be written to a UTF-8 stream at all).

`inert` keeps newlines (bodies, multi-line notices); `inert_line` shows them as `\\n` too, for
what must stay on one line (an error line, a claim's value). `json_inert` applies the rule to
JSON text that `json.dumps(..., ensure_ascii=False)` wrote: the result is still valid JSON and
loads back to the same strings.
"""

from __future__ import annotations

import functools
import re

# Characters a terminal or a reader must never get raw (see the module docstring).
_FORMAT = (
    "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _FORMAT + "]|\r(?!\n)"
_UNSAFE_LINE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff" + _FORMAT + "]"
# In JSON text C0 is already escaped by json.dumps; DEL and the rest are not.
_UNSAFE_JSON = "[\x7f-\x9f\ud800-\udfff" + _FORMAT + "]"


@functools.cache  # each compiled on first use (~0.3 ms each): most runs need one or none
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def inert(text: str) -> str:
    """`text` with every character that could drive a terminal shown as an escape; newlines,
    tabs and CRLF line ends are kept."""
    return _compiled(_UNSAFE).sub(_escape, text)


def inert_line(text: str) -> str:
    """`inert`, and newlines, carriage returns and tabs shown as `\\n`, `\\r`, `\\t`: the text
    stays on its one line."""
    return _compiled(_UNSAFE_LINE).sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells an astral character as its UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_inert(dumped: str) -> str:
    """JSON text from `json.dumps(..., ensure_ascii=False)` with the characters `inert` escapes
    written as JSON escapes. They can only occur inside strings, so the JSON stays valid and
    loads back to exactly the same values."""
    return _compiled(_UNSAFE_JSON).sub(_json_escape, dumped)


def inert_lines(text: str) -> str:
    """tokenlab's own multi-line text (lines joined by `\\n`) with each line made inert as one
    line: the line breaks it meant stay, anything else a server put in is shown, not obeyed."""
    return "\n".join(inert_line(line) for line in text.split("\n"))

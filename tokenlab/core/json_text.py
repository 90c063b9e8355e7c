"""The one reader of JSON that someone else wrote: servers' answers and tokens' parts.

`read_json` bounds the size and the nesting depth before the parser runs (a deep document
would otherwise end in a `RecursionError` in the parser or in any recursive reader after it),
refuses the NaN and Infinity constants, and reports the object member names a document
repeats: readers differ on which copy wins, so the caller decides whether to say so.
Every failure is a `JsonTextError` whose `reason` completes a sentence about what was read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from tokenlab.core.errors import TokenlabError

MAX_JSON_CHARS = 4 * 1024 * 1024  # as the HTTP body cap: nothing tokenlab reads is bigger
MAX_JSON_DEPTH = 64  # discovery, keys and tokens nest 2-4 levels; an API answer a few more

Problem = Literal["not-text", "not-json", "too-deep", "too-large"]

# A JSON string, escapes included (unrolled loop: one pass, no backtracking).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonTextError(TokenlabError):
    """What was read is not JSON tokenlab will use. `reason` reads after "the answer ..."."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason


@dataclass(frozen=True)
class JsonText:
    """A JSON value read within bounds, and the member names it repeats."""

    value: Any
    duplicate_names: tuple[str, ...] = ()  # object member names given more than once


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether `text` nests arrays and objects more than `limit` deep, found without parsing
    (so without recursion). Brackets inside strings do not count."""
    if text.count("[") + text.count("{") <= limit:  # the usual case: too few to nest that deep
        return False
    depth = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class _ConstantError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _ConstantError(f"{name} is not a JSON number")


class _RepeatedName(Exception):
    pass


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(items)
    if len(seen) != len(items):
        raise _RepeatedName
    return seen


def _noting_repeats(duplicates: list[str]) -> json.JSONDecoder:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen = dict(items)  # the last copy wins, at the first copy's place
        if len(seen) != len(items):
            found: set[str] = set()
            for key, _ in items:
                if key in found:
                    duplicates.append(key)
                found.add(key)
        return seen

    return json.JSONDecoder(object_pairs_hook=pairs, parse_constant=_reject_constant)


# One decoder for every document without repeated names (json.loads with hooks builds a
# decoder per call, two per token); a repeated name is rare and reads the text again.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_reject_constant)


def read_json(
    data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH, max_chars: int = MAX_JSON_CHARS
) -> JsonText:
    """The JSON value in `data` (UTF-8 when bytes), within the bounds, or a `JsonTextError`."""
    if len(data) > max_chars:
        raise JsonTextError("too-large", f"is more than {max_chars:,} characters of JSON")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")  # the C codec: utf-8-sig's is Python code
        except UnicodeDecodeError:
            raise JsonTextError("not-text", "is not text (not UTF-8)") from None
        if text.startswith("\ufeff"):  # a BOM is tolerated, as json.loads does for bytes
            text = text[1:]
    else:
        text = data
    if nests_deeper_than(text, max_depth):
        raise JsonTextError("too-deep", f"nests JSON more than {max_depth} levels deep")
    try:
        if text.startswith("\ufeff"):  # what json.loads says of a BOM left in text
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        try:
            return JsonText(_DECODER.decode(text))
        except _RepeatedName:  # rare: read again, this time noting every repeated name
            duplicates: list[str] = []
            value = _noting_repeats(duplicates).decode(text)
    except json.JSONDecodeError as exc:
        raise JsonTextError(
            "not-json", f"is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except _ConstantError as exc:
        raise JsonTextError("not-json", f"is not JSON ({exc})") from None
    except ValueError:  # an integer longer than Python converts (sys.int_info)
        raise JsonTextError(
            "not-json", "is not JSON tokenlab reads (a number is too long)"
        ) from None
    except RecursionError:  # not expected after the depth check; kept so it can never escape
        raise JsonTextError("too-deep", "nests JSON too deeply to read") from None
    return JsonText(value, tuple(dict.fromkeys(duplicates)))


def loads(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`read_json(data).value`: for readers that do not report repeated names."""
    return read_json(data, max_depth=max_depth).value

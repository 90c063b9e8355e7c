"""What the fuzz targets share: the example budget, and generators of hostile server input.

The budget: 2,000 examples per target; `TOKENLAB_FUZZ_EXAMPLES` raises (or lowers) it. Runs are
derandomized, so CI finds the same examples every time; `TOKENLAB_FUZZ_SEED=<int>` explores
another reproducible corner, `TOKENLAB_FUZZ_SEED=random` a fresh one each run.

The generators reach past what `st.from_type` would: JSON *text* with pieces no Python value
can round-trip (nesting 100,000 deep, 5,000-digit numbers, `NaN`, lone surrogates, bad
escapes), documents with the right keys and the wrong types, and plain binary junk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st

T = TypeVar("T")

DEFAULT_EXAMPLES = 2000


def _examples() -> int:
    return int(os.environ.get("TOKENLAB_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


def fuzz(test: Callable[..., T]) -> Callable[..., T]:
    """The fuzz budget and reproducibility for one target (put it above `@given`)."""
    chosen = os.environ.get("TOKENLAB_FUZZ_SEED", "")
    test = settings(
        max_examples=_examples(),
        deadline=None,  # a 100,000-deep document takes longer than the default 200 ms: fine
        derandomize=not chosen,
        database=None if not chosen else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )(test)
    if chosen and chosen != "random":
        test = seed(int(chosen))(test)
    return test


# -- JSON text ------------------------------------------------------------------------------------


class Raw(str):
    """JSON text placed in a document as it is: what no Python value serializes to."""


def nested(depth: int, kind: str) -> Raw:
    """`depth` levels of arrays or objects; `open` leaves them unclosed (a cut document)."""
    if kind == "array":
        return Raw("[" * depth + "]" * depth)
    if kind == "object":
        return Raw('{"a":' * depth + "0" + "}" * depth)
    return Raw("[" * depth)


DEPTHS = st.sampled_from([2, 31, 33, 500, 999, 1000, 1001, 5000, 100_000]) | st.integers(1, 3000)
deep = st.builds(nested, DEPTHS, st.sampled_from(["array", "object", "open"]))
huge_numbers = st.one_of(
    st.integers(300, 5000).map(lambda n: Raw("9" * n)),  # 4,300+ digits: Python refuses to parse
    st.integers(300, 5000).map(lambda n: Raw("-1" + "0" * n)),
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "1e-400",
            "1E+99999",
            "NaN",
            "Infinity",
            "-Infinity",
            "1.7976931348623157e308",
            "9223372036854775808",
            "-0",
            "0.1e1",
        ]
    ).map(Raw),
)
odd_strings = st.sampled_from(
    [
        '"\\ud800"',  # a lone high surrogate
        '"\\udfff"',
        '"a\\udc80b"',
        '"\\ud83d\\ude00"',  # a valid pair
        '"\\u0000"',
        '"\\u001b]52;c;aGVsbG8=\\u0007"',  # OSC 52 clipboard write
        '"\\u202e"',  # right-to-left override
        '"\\x41"',  # not a JSON escape
        '"\x01"',  # a raw control character
        '"unterminated',
    ]
).map(Raw)
raw_pieces = st.one_of(deep, huge_numbers, odd_strings)

keys = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "keys", "kid", "access_token", "issuer", "error", "__proto__"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.text(max_size=4).map(lambda s: s + "\ud800"),  # serialized as the lone escape \ud800
)
json_values = st.recursive(
    scalars | raw_pieces,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=8,
)


def to_json_text(value: Any) -> str:
    """JSON text of `value`, with `Raw` pieces copied verbatim."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        members = (f"{json.dumps(str(k))}:{to_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json_text(v) for v in value) + "]"
    return json.dumps(value)  # NaN and Infinity as Python writes them; surrogates escaped


DELETE = Raw("")  # an edit that removes the member


def _apply(base: Mapping[str, Any], edits: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(base)
    for name, value in edits:
        if value is DELETE:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def edited(
    bases: list[Mapping[str, Any]], fields: Mapping[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A good document with up to three members replaced, removed or added: mostly right, so
    the reader gets past the first check; each replacement right-shaped or any JSON at all."""
    edit = st.one_of(
        [st.tuples(st.just(k), v | json_values | st.just(DELETE)) for k, v in fields.items()]
        + [st.tuples(keys, json_values)]
    )
    return st.builds(_apply, st.sampled_from(bases), st.lists(edit, max_size=3))


# -- bodies ---------------------------------------------------------------------------------------

PREFIXES = [b"", b"", b"", b")]}'\n", b"\xef\xbb\xbf", b"while(1);", b" \n\t"]


def bodies(docs: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """What a server sends: a document as JSON text (sometimes prefixed or cut), or junk."""
    as_text = st.builds(
        lambda prefix, doc, cut: prefix + to_json_text(doc).encode("utf-8", "surrogatepass")[:cut],
        st.sampled_from(PREFIXES),
        docs,
        st.sampled_from([None, None, None, 0, 1, 30]) | st.integers(0, 200),  # mostly whole
    )
    return st.one_of(
        as_text,
        as_text,
        as_text,
        st.builds(lambda v: to_json_text(v).encode(), json_values),
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"<html><title>Sign in</title></html>",
                b"access_token=eyJhbGciOiJub25lIn0.e30.&refresh_token=r1",
                b"\x1f\x8b\x08\x00\x00\x00\x00\x00",  # a gzip header with nothing after it
                b"\xff\xfe{\x00}\x00",  # UTF-16 with a BOM
            ]
        ),
    )


# -- URLs -----------------------------------------------------------------------------------------

odd_urls = st.sampled_from(
    [
        "",
        "/relative/path",
        "javascript:alert(1)",
        "https:///no-host",
        "http://[::1",  # an unclosed IPv6 literal
        "https://acme.example:99999/id",
        "https://acme.example:abc/id",
        "https://user:pass@acme.example/id",
        "http://evil.example/token",
        "https://xn--/",
        "https://a\udc80b.example/",
        "https://acme.example/id\x00",
        "https://acme.example/id#frag",
        "http://127.0.0.1:1/id",
        "https://" + "a" * 300 + ".example/",
    ]
)


def urls(good: str) -> st.SearchStrategy[str]:
    """A URL field: the good value, a hostile one, or any text."""
    return st.one_of(st.just(good), odd_urls, odd_urls, st.text(max_size=30))


words = st.lists(st.sampled_from(["read", "update", "openid", "S256", "code", "x"]), max_size=4)

"""Fuzzing profile files: whatever a hand-edited or imported profile holds, `from_toml` returns
a profile or raises a `TokenlabError` (a `ConfigFileError` naming the file).
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomli_w
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import fuzz, odd_urls
from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import new_profile
from tokenlab.core.profiles.toml_io import from_toml, to_toml

pytestmark = pytest.mark.slow

GOOD = to_toml(
    new_profile(
        "acme",
        "https://acme.example",
        "web-app",
        client_id="com.acme/web",
        redirect_uri="http://127.0.0.1/callback",
        authorize_params=(("prompt", "login"),),
    )
)

# TOML values of every type, with the edges TOML and Python allow
toml_scalars = st.one_of(
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    st.sampled_from(["~nosuchuser/ca.pem", "~\x00", "\x00", "\udcff", "/dev/null"]),
    odd_urls,
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
top_keys = {
    "schema": st.integers(-1, 3),
    "name": st.sampled_from(["acme", "nl\n", "a" * 65, ""]),
    "instance": st.sampled_from(["https://acme.example", "http://127.0.0.1:8080"]) | odd_urls,
    "authority_url": odd_urls,
    "api_url": odd_urls,
    "scenario": st.sampled_from(["web-app", "spa", "web-portal", "service-app", "automation"]),
    "client_id": st.sampled_from(["com.acme/web", ""]),
    "auth_method": st.sampled_from(["none", "client_secret_basic", "private_key_jwt", "x"]),
    "key_path": st.sampled_from(["~nosuchuser/key.pem", "/dev/null", ""]),
    "scopes": st.lists(st.sampled_from(["read", "update", "openid"])) | st.just("read update"),
    "redirect_uri": odd_urls,
    "loopback_port": st.integers(-(2**63), 2**63 - 1),
    "authorize_params": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    "timeout": st.floats() | st.integers(-(2**63), 2**63 - 1),
    "allow_insecure": st.booleans(),
}
table_keys = {
    "tls": {
        "verify": st.booleans(),
        "ca_bundle": st.sampled_from(["~nosuchuser/ca.pem", "~\x00", "", "/etc/hostname"]),
        "os_trust_store": st.booleans(),
    },
    "probe": {
        "method": st.sampled_from(["get", "POST", "BREW", ""]),
        "path": st.text(max_size=10),
        "headers": st.dictionaries(
            st.sampled_from(["Accept", "X\n", "bad name", ""]), st.text(max_size=5), max_size=2
        ),
        "body": st.text(max_size=10),
    },
}


DELETE = object()  # an edit that removes the field


def _edit(table: str, key: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.tuples(st.just(table), st.just(key), value | toml_values | st.just(DELETE))


# A good profile with up to three fields changed: deep enough that validation reaches them.
edits = st.lists(
    st.one_of(
        [_edit("", key, value) for key, value in top_keys.items()]
        + [
            _edit(table, key, value)
            for table, fields in table_keys.items()
            for key, value in fields.items()
        ]
        + [_edit("", "stray", st.text(max_size=3)), _edit("tls", "stray", st.booleans())]
    ),
    max_size=3,
)


def _applied(changes: list[tuple[str, str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = tomllib.loads(GOOD)
    for table, key, value in changes:
        where = doc.setdefault(table, {}) if table else doc
        if not isinstance(where, dict):
            continue
        if value is DELETE:
            where.pop(key, None)
        else:
            where[key] = value
    return doc


profile_docs = st.builds(_applied, edits)


def _dumped(doc: dict[str, Any]) -> str:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # what TOML cannot hold (a None, a surrogate, ...)
        return ""


def _edited(ops: list[tuple[int, str]]) -> str:
    text = GOOD
    for at, piece in ops:
        at = min(at, len(text))
        text = text[:at] + piece + text[at + 1 :]
    return text


texts = st.one_of(
    st.builds(_dumped, profile_docs),
    st.builds(_dumped, profile_docs),
    st.builds(_dumped, profile_docs),
    st.builds(
        _edited,
        st.lists(
            st.tuples(
                st.integers(0, len(GOOD)),
                st.sampled_from(['"', "=", "[", "]", "\n", "#", "\\", "x"]) | st.text(max_size=3),
            ),
            max_size=4,
        ),
    ),
    st.builds(
        lambda key, depth: f"{GOOD}\n{key} = " + "[" * depth + "]" * depth,
        st.sampled_from(["x", "scopes"]),
        st.sampled_from([1, 10, 500, 1000, 5000, 100_000]),
    ),
    st.builds(
        lambda line: GOOD.replace("schema = 1\n", f"schema = 1\n{line}\n"),
        st.sampled_from(
            [
                "timeout = 1" + "0" * 400,
                "timeout = inf",
                "timeout = nan",
                "timeout = 1e400",
                "loopback_port = 99999999999999999999",
            ]
        ),
    ),
    st.text(max_size=80),
)


def _read(text: str) -> None:
    try:
        profile = from_toml(text, "fuzz.toml")
    except TokenlabError as exc:
        assert exc.message.startswith("fuzz.toml")
        return
    assert from_toml(to_toml(profile), "again.toml") == profile  # what was read writes back


@fuzz
@given(texts)
@example(GOOD)
# a ca_bundle under the home of a user that does not exist (RuntimeError in expanduser)
@example(GOOD.replace("[tls]\n", '[tls]\nca_bundle = "~nosuchuser/ca.pem"\n'))
# a ca_bundle with a NUL byte (ValueError in expanduser)
@example(GOOD.replace("[tls]\n", '[tls]\nca_bundle = "~\\u0000"\n'))
# a timeout of 400 digits: TOML integers are not capped in tomllib (OverflowError in float())
@example(GOOD.replace("schema = 1\n", "schema = 1\ntimeout = 1" + "0" * 400 + "\n"))
# an array nested 1,000 deep (RecursionError in tomllib)
@example(GOOD + "\nx = " + "[" * 1000 + "]" * 1000)
def test_profile_files_end_in_a_profile_or_our_error(text: str) -> None:
    _read(text)

"""Profiles as TOML, both ways, driven by the field table in `model.py`.

Reading names the file, the line and the field of every mistake; writing leaves defaults out
(hand-edited files stay short) except the fields a reader looks for first.
"""

from __future__ import annotations

import re
from typing import Any

from tokenlab.core.errors import ConfigFileError, UsageError
from tokenlab.core.profiles.model import (
    DEFAULT_AUTH_METHOD,
    FIELDS,
    NESTED,
    SCHEMA_VERSION,
    Kind,
    Profile,
    ProfileField,
    from_values,
    plain,
    value_at,
)
from tokenlab.core.profiles.validation import validate

_HEADER_COMMENT = (
    "# tokenlab profile. Secrets are never stored here: they live in the OS keyring.\n"
    "# authority_url and api_url are derived from instance when absent.\n"
)

# What a value of each kind must be in the file: the Python type TOML gives, and its name.
_EXPECTED: dict[Kind, tuple[type | tuple[type, ...], str]] = {
    "str": (str, "a string"),
    "url": (str, "a string"),
    "int": (int, "an integer"),
    "seconds": ((int, float), "a number of seconds"),
    "bool": (bool, "true or false"),
    "words": ((list, str), "a list of strings"),
    "pairs": (dict, "a table of strings"),
}


def _is_a(value: Any, types: type | tuple[type, ...]) -> bool:
    return isinstance(value, types)  # a function, so the caller's value stays typed as Any


def to_toml(profile: Profile) -> str:
    import tomli_w  # lazy: only writers need it

    doc: dict[str, Any] = {"schema": SCHEMA_VERSION}
    for f in FIELDS:
        value = value_at(profile, f.path)
        if f.always_written or value != f.default:
            (doc.setdefault(f.table, {}) if f.table else doc)[f.key] = plain(value, f.kind)
    return _HEADER_COMMENT + tomli_w.dumps(doc)


def line_of(text: str, key: str, table: str) -> int | None:
    """The 1-based line where `key` is set (inside `[table]` when given)."""
    current = ""
    pattern = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if current == (f"{table}.{key}" if table else key):
                return number
            continue
        if current == table and pattern.match(line):
            return number
    return None


class _Reader:
    """Reads typed values out of parsed TOML, naming the file, line and field of a mistake."""

    def __init__(self, data: dict[str, Any], path: str, text: str) -> None:
        self.data = data
        self.path = path
        self.text = text

    def fail(self, dotted: str, message: str, hint: str = "") -> ConfigFileError:
        table, _, key = dotted.rpartition(".")
        line = line_of(self.text, key, table)
        return ConfigFileError(self.path, message, hint, line=line, field=dotted)

    def table(self, name: str) -> dict[str, Any]:
        if not name:
            return self.data
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, f"expected a table, found {type(value).__name__} {value!r}")
        return value

    def value(self, f: ProfileField) -> Any:
        value: Any = self.table(f.table)[f.key]
        types, what = _EXPECTED[f.kind]
        if not _is_a(value, types) or (f.kind != "bool" and isinstance(value, bool)):
            raise self.fail(f.path, f"expected {what}, found {type(value).__name__} {value!r}")
        if f.kind == "seconds":
            try:
                return float(value)
            except OverflowError:  # an integer with hundreds of digits
                raise self.fail(f.path, "a number too large to be seconds") from None
        if f.kind == "words":
            if isinstance(value, str):  # "read update" is what people type by hand
                return tuple(value.split())
            if not all(isinstance(v, str) for v in value):
                raise self.fail(f.path, "expected a list of strings", 'e.g. scopes = ["read"]')
            return tuple(value)
        if f.kind == "pairs":
            if not all(isinstance(v, str) for v in value.values()):
                raise self.fail(f.path, "expected string values", f'e.g. [{f.path}] a = "b"')
            return tuple((str(k), v) for k, v in value.items())
        return value

    def reject_unknown(self) -> None:
        for table in ("", *NESTED):
            known = [f.key for f in FIELDS if f.table == table]
            extra = {"": ("schema", *NESTED)}.get(table, ())
            for key in self.table(table):
                if key not in known and key not in extra:
                    where = f"{table}.{key}" if table else key
                    raise self.fail(
                        where, "unknown field", f"check the spelling; known: {', '.join(known)}"
                    )


def _parse(text: str, path: str) -> dict[str, Any]:
    import tomllib  # lazy: commands that only build the parser never read a profile

    try:
        return tomllib.loads(text)
    except RecursionError:  # arrays nested hundreds deep: tomllib recurses
        raise ConfigFileError(
            path, "not valid TOML for a profile: it nests too deeply", "fix the file by hand"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigFileError(
            path,
            f"not valid TOML: {exc}",
            "fix the file by hand or remove it; tokenlab will not overwrite it",
            line=int(match.group(1)) if match else None,
        ) from None


def _check_schema(r: _Reader) -> None:
    schema = r.data.get("schema")
    if schema is None:
        raise r.fail(
            "schema", "missing schema version", f"add `schema = {SCHEMA_VERSION}` at the top"
        )
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise r.fail("schema", f"expected an integer, found {type(schema).__name__} {schema!r}")
    if schema > SCHEMA_VERSION:
        raise ConfigFileError(
            r.path,
            f"written by a newer tokenlab (schema {schema}; this one reads {SCHEMA_VERSION})",
            "upgrade tokenlab (pip install -U tokenlab); the file was left as it is",
            field="schema",
        )
    if schema < 1:
        raise r.fail("schema", f"unknown schema version {schema}", f"use schema = {SCHEMA_VERSION}")


def from_toml(text: str, path: str) -> Profile:
    r = _Reader(_parse(text, path), path, text)
    _check_schema(r)
    values = {f.path: r.value(f) for f in FIELDS if f.key in r.table(f.table)}
    r.reject_unknown()
    if "auth_method" not in values:  # the scenario's default, as for a new profile
        values["auth_method"] = DEFAULT_AUTH_METHOD.get(values.get("scenario", ""), "none")
    if "probe.method" in values:
        values["probe.method"] = values["probe.method"].upper()
    values.setdefault("name", "")
    values.setdefault("instance", "")
    values.setdefault("scenario", "")
    profile = from_values(values)
    try:
        validate(profile)
    except UsageError as exc:  # a bad URL, a missing client id, ...: say where it is
        table, _, key = exc.field.rpartition(".")
        line = line_of(text, key, table) if key else None
        raise ConfigFileError(
            path, exc.message, exc.hint, line=line, field=exc.field, remedy=exc.remedy
        ) from None
    return profile

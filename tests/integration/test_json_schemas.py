"""Every `--json` output has a versioned schema file, and what each command prints against the
sandbox validates against it (docs/json-schema.md). A new command with `--json` fails here until
it adds its row to commands/json_output.py and its file to docs/json/."""

from __future__ import annotations

import argparse
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tokenlab.cli import build_parser, main
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.commands.json_output import FILES, OUTPUTS
from tokenlab.core.json_times import AS_SENT
from tokenlab.core.profiles import ProfileStore
from tokenlab.sandbox import Sandbox

DOCS = Path(__file__).resolve().parents[2] / "docs" / "json"
MARKER = re.compile(r"^tokenlab\.(?P<name>[a-z.-]+)/(?P<version>\d+)$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _schemas() -> dict[str, dict[str, Any]]:
    return {
        p.name.removesuffix(".schema.json"): json.loads(p.read_text())
        for p in DOCS.glob("*.schema.json")
    }


def _registry(schemas: dict[str, dict[str, Any]]) -> Registry:
    return Registry().with_resources(  # type: ignore[no-any-return]
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )


def _commands_with_json(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> Iterator[str]:
    """ "profiles.list", "decode", ...: every (sub)command that takes --json."""
    if "--json" in parser._option_string_actions:
        yield ".".join(words)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word, child in action.choices.items():
                yield from _commands_with_json(child, (*words, word))


def test_every_command_with_json_has_a_schema_file_and_a_row() -> None:
    schemas = _schemas()
    commands = set(_commands_with_json(build_parser()))
    assert {"profiles.list", "token", "decode", "probe", "doctor"} <= commands
    missing_rows = commands - set(OUTPUTS)
    assert not missing_rows, f"add these to commands/json_output.py OUTPUTS: {missing_rows}"
    missing_files = set(OUTPUTS) - set(schemas)
    assert not missing_files, f"add docs/json/<name>.schema.json for: {missing_files}"
    assert set(schemas) - set(OUTPUTS) - set(FILES) == {"common"}  # none for a gone output
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$id"].endswith(f"/{name}.schema.json")
        if name != "common":
            version = OUTPUTS.get(name) or FILES[name]
            assert f"tokenlab.{name}/{version}" in json.dumps(schema), name


def _moments(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every `*_at` field outside what came as sent, with its `_iso` twin."""
    if isinstance(value, list):
        for item in value:
            yield from _moments(item, path + "[]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_at") and item is not None:
                yield f"{path}.{key}", item, value.get(f"{key}_iso")
            if key not in AS_SENT:
                yield from _moments(item, f"{path}.{key}")


@pytest.fixture
def run(sandbox: Sandbox) -> Any:
    write_demo_profiles(ProfileStore(), sandbox.url)

    def tokenlab(*argv: str, stdin: str = "") -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
        assert "Traceback" not in err.getvalue()
        return code, out.getvalue()

    return tokenlab


@pytest.mark.slow
def test_every_json_output_validates_against_its_schema(run: Any, sandbox: Sandbox) -> None:
    schemas = _schemas()
    registry = _registry(schemas)
    _, token = run("token", "-p", "demo-service-app", "-q")
    outputs = {
        "profiles list": run("profiles", "list", "--json"),
        "profiles show": run("profiles", "show", "demo-service-app", "--json"),
        "secret status": run("secret", "status", "demo-service-app", "--json"),
        "authority": run("authority", f"{sandbox.url}/id", "--json"),
        "token": run("token", "-p", "demo-service-app", "--json"),
        "token refused": run("token", "-p", "demo-disabled", "--json"),
        "decode": run("decode", "-", "--verify", "-p", "demo-service-app", "--json", stdin=token),
        "decode refused": run("decode", "nonsense", "--json"),
        "probe": run("probe", "-p", "demo-service-app", "--json"),
        "probe 403": run(
            "probe", "-p", "demo-service-app", "--path", "Systems_Security_Users", "--json"
        ),
        "probe refused": run("probe", "-p", "demo-disabled", "--json"),
        "probe repeat": run("probe", "-p", "demo-service-app", "--repeat", "2", "--json"),
        "doctor": run("doctor", "-p", "demo-service-app", "--json"),
        "doctor refused": run("doctor", "-p", "demo-disabled", "--json"),
        "demo": run("demo", "--port", str(sandbox.port), "--print-profiles", "--json"),
        "probe what-if": run("probe", "-p", "demo-api-forbidden", "--what-if", "--json"),
        "diff": run(
            "diff", token.strip(), run("token", "-p", "demo-service-app", "-q")[1].strip(), "--json"
        ),
        "doctor all": run("doctor", "--all", "--profiles", "demo-s*", "--json"),
        "app card": run("app", "card", "-p", "demo-service-app", "--json"),
        "app check": run(
            "app",
            "check",
            "-p",
            "demo-redirect-mismatch",
            "--admin-profile",
            "demo-admin",
            "--json",
        ),
        "watch": run(
            "watch", "-p", "demo-api-flaky-node", "--count", "2", "--interval", "1s", "--json"
        ),
    }
    seen = set()
    lines = [  # JSON lines (watch) are one output each
        (what, code, line)
        for what, (code, text) in outputs.items()
        for line in (text.splitlines() if what == "watch" else [text])
    ]
    for what, code, line in lines:
        assert code in (0, 1, 2), (what, code)
        data = json.loads(line)
        found = MARKER.match(data.get("schema", ""))
        assert found and next(iter(data)) == "schema", (what, data.get("schema"))
        name = found["name"]
        assert int(found["version"]) == OUTPUTS[name]
        seen.add(name)
        validator = Draft202012Validator(schemas[name], registry=registry)
        errors = [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(data)]
        assert not errors, (what, errors[:5])
        for path, epoch, iso in _moments(data):  # the one rule for times, wherever they are
            assert isinstance(epoch, int | float) and isinstance(iso, str), (what, path)
            assert ISO.match(iso), (what, path, iso)
    assert seen == set(OUTPUTS)  # every output was seen at least once


def test_a_schema_refuses_an_output_that_breaks_it(run: Any) -> None:
    schemas = _schemas()
    _, text = run("decode", "nonsense", "--json")
    broken = {**json.loads(text), "schema": "tokenlab.decode/2"}
    validator = Draft202012Validator(schemas["decode"], registry=_registry(schemas))
    assert list(validator.iter_errors(broken))
    _, shown = run("profiles", "show", "demo-service-app", "--json")
    data = json.loads(shown)
    data["scopes"] = "read update"  # a list, never a string
    profile = Draft202012Validator(schemas["profiles.show"], registry=_registry(schemas))
    assert list(profile.iter_errors(data))

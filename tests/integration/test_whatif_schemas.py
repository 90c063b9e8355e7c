"""The JSON of `probe --what-if`, `diff` and `doctor --share` against docs/json/ (JSON Schema 2020-12)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tokenlab import cli
from tokenlab.commands.demo_cmd import write_demo_profiles
from tokenlab.core.profiles import ProfileStore
from tokenlab.sandbox import DEMO_REFERENCE_TOKEN, Sandbox

jsonschema = pytest.importorskip("jsonschema")  # a test dependency (the JSON-output helper's)
pytestmark = pytest.mark.slow
SCHEMAS = Path(__file__).parents[2] / "docs" / "json"


def validate(value: Any, name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)


def run(*args: str, stdin: str = "") -> Any:
    out = io.StringIO()
    cli.main(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_what_if_diff_and_share_match_their_schemas(sandbox: Sandbox, tmp_path: Path) -> None:
    write_demo_profiles(ProfileStore(), sandbox.url)
    validate(run("probe", "-p", "demo-api-not-found", "--what-if", "--json"), "probe.what-if")
    validate(run("diff", DEMO_REFERENCE_TOKEN, "-", "--json", stdin="enrt_other"), "diff")
    share = tmp_path / "bundle.json"
    cli.main(
        ["doctor", "-p", "demo-service-app", "--share", str(share)],
        stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    validate(json.loads(share.read_text()), "doctor.share")

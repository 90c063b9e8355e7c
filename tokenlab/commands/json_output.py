"""The JSON outputs of the commands: each has a name, a version and a schema file.

Every `--json` output is an object whose first field is `"schema": "tokenlab.<name>/<version>"`
and whose times follow core/json_times.py (epoch seconds and ISO-8601 UTC). The schema of each
is docs/json/<name>.schema.json (JSON Schema 2020-12). A new output is a row here and a file
there (tests/integration/test_json_schemas.py checks both); a change that removes or retypes a
field is a new version.
"""

from __future__ import annotations

from typing import Any

from tokenlab.core.json_times import with_iso_times

# output name -> version. Names are the command words joined by "." (an option's own shape:
# the command's name and what it is, e.g. probe.repeat for `probe --repeat`).
OUTPUTS: dict[str, int] = {
    "profiles.list": 1,
    "profiles.show": 1,
    "secret.status": 1,
    "authority": 1,
    "token": 1,
    "decode": 1,
    "probe": 1,
    "probe.repeat": 1,
    "doctor": 1,
    "demo": 1,
    "watch": 1,  # JSON lines: every line an object with this marker
    "probe.what-if": 1,
    "diff": 1,
    "app.card": 1,
    "app.check": 1,
    "doctor.all": 1,  # doctor --all
}
# Formats written to a file rather than stdout: a schema file each, the marker inside.
FILES: dict[str, int] = {
    "doctor.share": 1,  # doctor --share FILE.json: the marker is share.format
}


def marker(name: str) -> str:
    """`tokenlab.decode/1`: which output this is, and which version of its schema."""
    return f"tokenlab.{name}/{OUTPUTS[name]}"


def shaped(name: str, value: dict[str, Any]) -> dict[str, Any]:
    """The output `name` as written: its marker first, every time with its ISO twin."""
    stamped: dict[str, Any] = with_iso_times(value)
    return {"schema": marker(name), **{k: v for k, v in stamped.items() if k != "schema"}}

"""Canary secrets through `doctor --all`: servers that echo or leak, several profiles at once
(each run masks with its own redactor), the table and the JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_canary_outputs import (
    COOKIE,
    SECRET,
    Cli,
    Seen,
    add_profile,
    files_under,
    forms,
    run,
    tokens_forms,
)
from tests.support.fault_server import CLIENT_ID, LEAKY_ACCESS, LEAKY_REFRESH, fault_server

pytestmark = pytest.mark.slow

MODES = [
    ("token-echo", "client_secret_post"),
    ("token-echo-text", "client_secret_basic"),
    ("api-echo", "client_secret_basic"),
    ("api-echo-text", "client_secret_post"),
    ("token-form-tokens", "client_secret_basic"),
]


def test_no_canary_in_the_fleet_table_or_its_json(cli: Cli, isolated_dirs: dict[str, Path]) -> None:
    seen = Seen()
    with fault_server() as faults:
        for mode, auth_method in MODES:
            name = f"canary-{mode}"
            add_profile(
                cli,
                seen,
                name,
                *("--instance", f"{faults.url}/{mode}", "--scenario", "service-app"),
                *("--authority", faults.authority(mode), "--api", faults.api(mode)),
                *("--client-id", CLIENT_ID, "--auth-method", auth_method),
            )
            assert run(cli, seen, "secret", "set", name, "--stdin", stdin=SECRET + "\n") == 0
        before = len(faults.requests)
        run(cli, seen, "doctor", "--all", "--profiles", "canary-*")
        run(cli, seen, "doctor", "--all", "--profiles", "canary-*", "--json", "--parallel", "5")
        sent = faults.requests[before:]
    # every profile really ran: the server got its token requests
    assert sum(r.path.endswith("/token") for r in sent) >= 2 * len(MODES)
    forbidden = forms(SECRET, (CLIENT_ID,)) | forms(COOKIE)
    forbidden |= tokens_forms(LEAKY_ACCESS) | tokens_forms(LEAKY_REFRESH)
    seen.assert_free_of(forbidden)
    stored = Seen(list(files_under(isolated_dirs["config"], isolated_dirs["data"])))
    stored.assert_free_of(forbidden - forms(COOKIE))

"""Canary secrets through every command, against the sandbox and the fault server (issue 9).

The canaries: a client secret with `+ / = `, a space and a non-ASCII letter (they change under
URL-encoding and base64), a cookie in the probe's headers, a reference token, a password in a
URL; plus the tokens a broken token endpoint answers in a body that is not a JSON object. The
fault server echoes what it received: the form as sent (URL-encoded), the Basic header, the
Basic credentials decoded and re-encoded without URL-encoding, and the bare base64.

Every command runs with and without `--json` (and `-v` for the trace): no canary, in any of its
forms, in stdout, stderr, a report file, an event or an exception's text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import jwt
import pytest

from tests.support.fault_server import (
    CLIENT_ID,
    LEAKY_ACCESS,
    LEAKY_REFRESH,
    FaultServer,
    fault_server,
    free_port,
)
from tokenlab.core.doctor import run_doctor
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus, Event
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.profiles import Profile, new_profile
from tokenlab.core.profiles.model import ProbeRequest
from tokenlab.core.secrets import SecretStore
from tokenlab.sandbox import Sandbox, demo_catalog

pytestmark = pytest.mark.slow

SECRET = "CANARY+/= é-c1i3nt-5ecret"
COOKIE = "CANARY+c00kie/7f3a9e="
REFERENCE = "enrt_CANARYref0123456789abcdef"
URL_PASSWORD = "CANARY-url-pa55w0rd"

Cli = Callable[..., object]


def pieces(value: str, size: int = 10) -> set[str]:
    return {value[i : i + size] for i in range(len(value) - size + 1)}


def forms(secret: str, client_ids: tuple[str, ...] = ()) -> set[str]:
    """The secret as it must never be seen: raw, URL-encoded, JSON-escaped, any 10 characters
    of it, and base64 of `client_id:secret` (plain and URL-encoded) past the client id's part."""
    found = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    found |= {json.dumps(secret)[1:-1]} | pieces(secret) | pieces(quote(secret, safe=""))
    for client_id in client_ids:
        for pair in (
            f"{client_id}:{secret}",
            f"{quote(client_id, safe='')}:{quote(secret, safe='')}",
        ):
            encoded = base64.b64encode(pair.encode()).decode()
            start = -(-len(client_id.encode()) * 4 // 3) + 4  # past what the client id decides
            found |= {encoded, *pieces(encoded[start:], 12)}
    return found


def tokens_forms(token: str) -> set[str]:
    """A token and any 12 characters of it, past its header (`{"alg":"RS256"}` is in every
    token of its kind: `tokenlab token` rightly prints the one it got)."""
    return {token} | pieces(token.split(".", 1)[-1], 12)


@dataclass
class Seen:
    """Every text a user or a file could get, with where it came from."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def assert_free_of(self, forbidden: set[str]) -> None:
        leaks = [(where, f) for where, text in self.texts for f in forbidden if f in text]
        assert not leaks, leaks[:5]


def run(cli: Cli, seen: Seen, *args: str, stdin: str = "") -> int:
    result = cli(*args, stdin=stdin)
    where = " ".join(args)
    seen.add(f"stdout of {where}", result.out)  # type: ignore[attr-defined]
    seen.add(f"stderr of {where}", result.err)  # type: ignore[attr-defined]
    if "--json" in args and result.out.strip():  # type: ignore[attr-defined]
        json.loads(result.out)  # type: ignore[attr-defined]
    return int(result.code)  # type: ignore[attr-defined]


def every_command(cli: Cli, seen: Seen, profile: str, reports: Path) -> None:
    """token, probe (and its what-if) and doctor with both report formats and both share
    bundles, each as text and as JSON."""
    run(cli, seen, "token", "-p", profile, "-v")
    run(cli, seen, "token", "-p", profile, "-v", "--json")
    run(cli, seen, "probe", "-p", profile, "-v")
    run(cli, seen, "probe", "-p", profile, "-v", "--json")
    md, js = reports / f"{profile}.md", reports / f"{profile}.json"
    run(cli, seen, "doctor", "-p", profile, "-v", "--report", str(md))
    run(cli, seen, "doctor", "-p", profile, "--json", "--report", str(js))
    run(cli, seen, "probe", "-p", profile, "-v", "--what-if")
    run(cli, seen, "probe", "-p", profile, "--what-if", "--json")
    share_md, share_js = reports / f"{profile}-share.md", reports / f"{profile}-share.json"
    run(cli, seen, "doctor", "-p", profile, "--share", str(share_md))
    run(cli, seen, "doctor", "-p", profile, "--share", str(share_js))
    for path in (md, js, share_md, share_js):
        seen.add(str(path), path.read_text(encoding="utf-8"))
    json.loads(js.read_text(encoding="utf-8"))
    json.loads(share_js.read_text(encoding="utf-8"))


def add_profile(cli: Cli, seen: Seen, name: str, *options: str) -> None:
    code = run(
        cli, seen, "profiles", "add", name, *options, "--probe-header", f"Cookie: session={COOKIE}"
    )
    assert code == 0


def files_under(*roots: Path) -> Iterator[tuple[str, str]]:
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file():
                yield str(path), path.read_text(encoding="utf-8", errors="ignore")


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with fault_server() as server:
        yield server


FAULT_CASES = [
    ("token-echo", "client_secret_post"),
    ("token-echo", "client_secret_basic"),
    ("token-echo-text", "client_secret_basic"),
    ("api-echo", "client_secret_basic"),
    ("api-echo-text", "client_secret_post"),
    ("token-form-tokens", "client_secret_basic"),
    ("token-json-array", "client_secret_basic"),
    ("token-xssi", "client_secret_basic"),
]


@pytest.mark.parametrize(("mode", "auth_method"), FAULT_CASES)
def test_no_canary_from_a_server_that_echoes_or_leaks(
    cli: Cli,
    faults: FaultServer,
    tmp_path: Path,
    isolated_dirs: dict[str, Path],
    mode: str,
    auth_method: str,
) -> None:
    seen = Seen()
    name = f"{mode}-{auth_method}".replace("_", "-")
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
    every_command(cli, seen, name, tmp_path)
    # the server really got (and echoed) the secret, so the checks below are not vacuous
    sent = faults.requests[before:]
    assert any(quote_plus(SECRET).encode() in r.body for r in sent) or any(
        r.headers.get("Authorization", "").startswith("Basic ") for r in sent
    )
    assert any(COOKIE in r.headers.get("Cookie", "") for r in sent) or mode.startswith("token")
    forbidden = forms(SECRET, (CLIENT_ID,)) | forms(COOKIE)
    forbidden |= tokens_forms(LEAKY_ACCESS) | tokens_forms(LEAKY_REFRESH)
    seen.assert_free_of(forbidden)
    stored = Seen(list(files_under(isolated_dirs["config"], isolated_dirs["data"])))
    stored.assert_free_of(forbidden - forms(COOKIE))  # the cookie is the profile's own setting


def test_no_canary_from_the_sandbox(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, isolated_dirs: dict[str, Path]
) -> None:
    """A wrong (canary) secret, a canary cookie on a working token, a canary reference token."""
    seen = Seen()
    service = next(d for d in demo_catalog(sandbox.url) if d.name == "demo-service-app")
    client_id = service.client_id or ""
    common = ("--instance", sandbox.url, "--scenario", "service-app", "--client-id", client_id)
    add_profile(cli, seen, "wrong-secret", *common)
    run(cli, seen, "secret", "set", "wrong-secret", "--stdin", stdin=SECRET + "\n")
    add_profile(cli, seen, "good-secret", *common)
    run(cli, seen, "secret", "set", "good-secret", "--stdin", stdin=f"{service.public_secret}\n")
    add_profile(cli, seen, "reference", "--instance", sandbox.url, "--scenario", "automation")
    run(
        cli,
        seen,
        *("secret", "set", "reference", "--kind", "reference-token", "--stdin"),
        stdin=REFERENCE + "\n",
    )
    for profile in ("wrong-secret", "good-secret", "reference"):
        every_command(cli, seen, profile, tmp_path)
    assert run(cli, seen, "probe", "-p", "good-secret") == 0  # the cookie really was sent
    forbidden = forms(SECRET, (client_id,)) | forms(COOKIE) | forms(REFERENCE[5:])
    seen.assert_free_of(forbidden)
    stored = Seen(list(files_under(isolated_dirs["config"], isolated_dirs["data"])))
    stored.assert_free_of(forbidden - forms(COOKIE))  # the cookie is the profile's own setting


def test_no_password_of_a_url_given_or_sent_back(cli: Cli, faults: FaultServer) -> None:
    seen = Seen()
    host = faults.url.removeprefix("http://")
    with_password = f"http://canary-user:{quote(URL_PASSWORD)}@{host}/ok/id"
    with_query = f"{faults.authority('ok')}?secret={URL_PASSWORD}"
    refused = f"http://canary-user:{URL_PASSWORD}@127.0.0.1:{free_port()}/id"  # transport error
    for url in (with_password, with_query, refused):
        for extra in ((), ("--json",), ("-v",)):
            run(cli, seen, "authority", url, *extra)
    assert any("200" in text for _, text in seen.texts)  # the password URL did work
    seen.assert_free_of(forms(URL_PASSWORD))


def test_decode_shows_a_token_only_masked(cli: Cli) -> None:
    seen = Seen()
    token = jwt.encode({"sub": "canary", "exp": 4_102_444_800}, "k" * 32, "HS256")
    for extra in ((), ("--json",)):
        run(cli, seen, "decode", token, *extra)
        run(cli, seen, "decode", "-", *extra, stdin=token)
    seen.assert_free_of(tokens_forms(token))


@pytest.mark.parametrize(("mode", "auth_method"), FAULT_CASES)
async def test_no_canary_in_events_or_exception_text(
    faults: FaultServer, mode: str, auth_method: str
) -> None:
    profile: Profile = new_profile(
        mode,
        f"{faults.url}/{mode}",
        "service-app",
        client_id=CLIENT_ID,
        authority_url=faults.authority(mode),
        api_url=faults.api(mode),
        auth_method=auth_method,
        probe=ProbeRequest(headers=(("Cookie", f"session={COOKIE}"),)),
    )
    seen = Seen()
    for runner in ("flow", "doctor"):
        bus = Bus()
        events: list[Event] = []
        bus.subscribe(events.append)
        store = SecretStore(env={"TOKENLAB_CLIENT_SECRET": SECRET})
        try:
            if runner == "flow":
                await run_flow(profile, secrets=store, bus=bus)
            else:
                doctor = await run_doctor(profile, secrets=store, bus=bus)
                error = doctor.facts.flow_error or doctor.facts.probe_error
                if error is not None:
                    seen.add("doctor error", f"{error} {error.args!r} {error.hint}")
        except TokenlabError as exc:
            seen.add(f"{runner} exception", f"{exc} {exc.args!r} {exc.hint} {vars(exc)!r}")
        seen.add(f"{runner} events", repr(events))
        assert events
    forbidden = forms(SECRET, (CLIENT_ID,)) | forms(COOKIE)
    seen.assert_free_of(forbidden | tokens_forms(LEAKY_ACCESS) | tokens_forms(LEAKY_REFRESH))

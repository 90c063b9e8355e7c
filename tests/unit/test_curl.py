"""'Copy as curl' gives commands a shell runs as meant, with secrets only as variables."""

from __future__ import annotations

import shlex
import subprocess

from tokenlab.core.curl import probe_curl, token_request_curl
from tokenlab.core.profiles import new_profile


def argv_of(command: str, env: dict[str, str]) -> list[str]:
    """What the shell would pass to curl: run it through bash with `curl` replaced by printf."""
    script = "curl() { printf '%s\\n' \"$@\"; }\n" + command
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.splitlines()


def test_basic_auth_secret_is_a_variable_and_expands_in_the_shell() -> None:
    p = new_profile("a", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc")
    cmd = token_request_curl(p, "https://acme.my.erp.net/id/connect/token")
    assert "$" + "{TOKENLAB_CLIENT_SECRET}" in cmd
    argv = argv_of(cmd, {"TOKENLAB_CLIENT_SECRET": "s3cr$t 'x'"})
    assert argv[argv.index("-u") + 1] == "com.acme/svc:s3cr$t 'x'"
    assert "grant_type=client_credentials" in argv and "scope=read update" in argv


def test_post_and_jwt_methods() -> None:
    post = new_profile(
        "b", "https://a.net", "service-app", client_id="c", auth_method="client_secret_post"
    )
    argv = argv_of(
        token_request_curl(post, "https://a.net/id/connect/token"), {"TOKENLAB_CLIENT_SECRET": "zz"}
    )
    assert "client_secret=zz" in argv and "client_id=c" in argv
    jwtp = new_profile(
        "c",
        "https://a.net",
        "service-app",
        client_id="c",
        auth_method="private_key_jwt",
        key_path="/k.pem",
    )
    cmd = token_request_curl(jwtp, "https://a.net/id/connect/token")
    assert "TOKENLAB_CLIENT_ASSERTION" in cmd and "jwt-bearer" in cmd


def test_probe_keeps_dollar_top_literal_and_the_token_a_variable() -> None:
    cmd = probe_curl(
        "https://a.net/api/domain/odata/Crm_Sales_Customers?$top=1",
        headers=(("Accept", "application/json"),),
    )
    argv = argv_of(cmd, {"TOKENLAB_ACCESS_TOKEN": "tok"})
    assert argv[-1].endswith("Crm_Sales_Customers?$top=1")
    assert "Authorization: Bearer tok" in argv and "Accept: application/json" in argv
    key = argv_of(probe_curl("https://a.net/x", api_key=True), {"TOKENLAB_ACCESS_TOKEN": "enrt_t"})
    assert "X-Api-Key: enrt_t" in key and not any(a.startswith("Authorization") for a in key)
    assert shlex.split(cmd.replace("\\\n", " "))[0] == "curl"


def test_credential_headers_are_variables_with_the_traces_list() -> None:
    """A probe header `Cookie: session=CANARY` (or any header the trace masks) never appears in
    clear: the command carries a variable the reader fills in, and it expands in the shell."""
    from tokenlab.core.redact import SENSITIVE_HEADERS

    headers = (("Cookie", "session=CANARY-c00kie"), ("Proxy-Authorization", "Basic CANARY-px"))
    cmd = probe_curl("https://a.net/x", headers=(*headers, ("Accept", "application/json")))
    assert "CANARY" not in cmd
    assert {"cookie", "proxy-authorization"} <= SENSITIVE_HEADERS
    env = {
        "TOKENLAB_ACCESS_TOKEN": "tok",
        "TOKENLAB_HEADER_COOKIE": "session=mine",
        "TOKENLAB_HEADER_PROXY_AUTHORIZATION": "Basic bWU6eW91",
    }
    argv = argv_of(cmd, env)
    assert "Cookie: session=mine" in argv and "Proxy-Authorization: Basic bWU6eW91" in argv
    assert "Accept: application/json" in argv


def test_a_url_with_a_password_is_shown_masked() -> None:
    p = new_profile("a", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc")
    cmd = token_request_curl(p, "https://user:CANARY-pw@acme.my.erp.net/id/connect/token")
    probe = probe_curl("https://a.net/x?secret=CANARY-q&$top=1")
    assert "CANARY" not in cmd + probe and "$top=1" in probe

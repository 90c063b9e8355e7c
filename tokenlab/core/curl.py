"""'Copy as curl': the token request and the probe as shell commands, secrets as env variables.

What is pasted into a ticket or a terminal history must not carry a secret, so every secret
becomes a `$TOKENLAB_...` placeholder that the reader fills in from their own store: the client
secret, the assertion, the token, and the value of every other credential header (the trace's
list: a `Cookie`, a `Proxy-Authorization`) as `$TOKENLAB_HEADER_COOKIE` and so on. A URL's
user:password or credential-shaped query value is masked, as everywhere.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from tokenlab.core.redact import SENSITIVE_HEADERS, Redactor
from tokenlab.core.scopes import PROTOCOL_SCOPES

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile

SECRET_VAR = "TOKENLAB_CLIENT_SECRET"
ASSERTION_VAR = "TOKENLAB_CLIENT_ASSERTION"
TOKEN_VAR = "TOKENLAB_ACCESS_TOKEN"


def _with_var(prefix: str, var: str) -> str:
    """`prefix` quoted literally, then "$var" expanded by the shell: no other `$` ever expands."""
    return f'{shlex.quote(prefix)}"${{{var}}}"'


def header_var(name: str) -> str:
    """The variable that stands for a credential header's value: `TOKENLAB_HEADER_COOKIE`."""
    return "TOKENLAB_HEADER_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _header(name: str, value: str) -> str:
    if name.lower() in SENSITIVE_HEADERS:
        return f"-H {_with_var(name + ': ', header_var(name))}"
    return f"-H {shlex.quote(f'{name}: {value}')}"


def _url(url: str) -> str:
    return shlex.quote(Redactor().url(url))


def token_request_curl(
    profile: Profile, token_endpoint: str, *, grant: str = "client_credentials"
) -> str:
    parts = ["curl -sS -X POST", _url(token_endpoint), "-H 'Accept: application/json'"]
    parts.append(f"--data-urlencode {shlex.quote('grant_type=' + grant)}")
    if profile.scopes and grant == "client_credentials":
        scopes = " ".join(s for s in profile.scopes if s not in PROTOCOL_SCOPES)
        if scopes:
            parts.append(f"--data-urlencode {shlex.quote('scope=' + scopes)}")
    method = profile.auth_method
    if method == "client_secret_basic":
        parts.append(f"-u {_with_var(profile.client_id + ':', SECRET_VAR)}")
    else:  # the client_id in the form, then its credential, if it has one
        parts.append(f"--data-urlencode {shlex.quote('client_id=' + profile.client_id)}")
        if method == "client_secret_post":
            parts.append(f"--data-urlencode {_with_var('client_secret=', SECRET_VAR)}")
        elif method == "private_key_jwt":
            parts.append(
                "--data-urlencode "
                + shlex.quote(
                    "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                )
            )
            parts.append(f"--data-urlencode {_with_var('client_assertion=', ASSERTION_VAR)}")
    return " \\\n  ".join(parts)


def probe_curl(
    url: str,
    *,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    api_key: bool = False,
    body: str = "",
) -> str:
    auth = (
        _with_var("X-Api-Key: ", TOKEN_VAR)
        if api_key
        else _with_var("Authorization: Bearer ", TOKEN_VAR)
    )
    parts = ["curl -sS -i", f"-X {shlex.quote(method)}" if method != "GET" else "", f"-H {auth}"]
    parts += [_header(k, v) for k, v in headers if k.lower() not in ("authorization", "x-api-key")]
    if body:
        parts.append(f"--data-raw {shlex.quote(body)}")
    parts.append(_url(url))
    return " \\\n  ".join(p for p in parts if p)

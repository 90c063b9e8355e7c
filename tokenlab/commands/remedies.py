"""Remedies rendered as this face's words: flags and commands of the `tokenlab` CLI.

The core says what to do (`Remedy`); only here is that turned into `--flags`. Every kind has a
rendering (a test checks it), so a new kind cannot reach a user as nothing. A rendering reads as
a clause after the core's plain-words hint ("hint; rendering"), or on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.errors import CLOCK_WORDS, Remedy, RemedyKind

_WAY_FLAGS = {"paste": "--paste", "device": "--device", "loopback": "--flow auth-code"}


def _ways(r: Remedy) -> str:
    ways = r.get("ways", ("paste", "device"))
    return "run again with " + " or ".join(_WAY_FLAGS.get(w, w) for w in ways)


# The secret kinds `--secret-stdin` reads (see token_cmd.read_stdin_secret).
_STDIN_KINDS = ("client-secret", "reference-token")


def _store_secret(r: Remedy) -> str:
    kind = r.get("kind")
    ways = [
        f"store it with `tokenlab secret set {r.get('profile') or 'NAME'}"
        + (f" --kind {kind}`" if kind else "`")
    ]
    if r.get("env"):
        ways.append(f"set {r.get('env')}")
    if kind in _STDIN_KINDS or not kind:
        ways.append("pass --secret-stdin")
    return ", ".join(ways[:-1]) + (", or " if len(ways) > 1 else "") + ways[-1]


def _secret_for_run(r: Remedy) -> str:
    env = r.get("env", ())
    names = " / ".join(env) if isinstance(env, tuple | list) else str(env)
    kind = r.get("kind")
    if kind and kind not in _STDIN_KINDS:  # --secret-stdin reads no other kind
        return f"set {names} for the run" if names else "no way to give it without a keyring"
    return f"set {names}, or pass --secret-stdin" if names else "pass --secret-stdin"


# A profile field (its path in the profile model) -> the option of `profiles add/edit`.
FIELD_FLAGS = {
    "name": "--rename",
    "description": "--description",
    "instance": "--instance",
    "authority_url": "--authority",
    "api_url": "--api",
    "scenario": "--scenario",
    "client_id": "--client-id",
    "auth_method": "--auth-method",
    "key_path": "--key",
    "cert_path": "--cert",
    "key_id": "--key-id",
    "assertion_audience": "--assertion-audience",
    "scopes": "--scope",
    "redirect_uri": "--redirect-uri",
    "loopback_port": "--loopback-port",
    "authorize_params": "--authorize-param",
    "audience": "--audience",
    "tls.verify": "--tls-verify",
    "tls.ca_bundle": "--ca-bundle",
    "tls.os_trust_store": "--os-trust-store",
    "timeout": "--timeout",
    "probe.method": "--probe-method",
    "probe.path": "--probe-path",
    "probe.headers": "--probe-header",
    "allow_insecure": "--insecure",
}


def _set_field(r: Remedy) -> str:
    field = str(r.get("field"))
    flag = FIELD_FLAGS.get(field)
    if flag is None:  # no option sets it: the file does
        name = r.get("profile") or "NAME"
        return f"set {field or 'it'} in the profile's file (`tokenlab profiles export {name}`)"
    example = r.get("example")
    value = f" {example}" if example else ""
    profile = r.get("profile")
    if profile:
        return f"change it with `tokenlab profiles edit {profile} {flag}{value}`"
    return f"give {flag}{value}"


def _fix_authority(r: Remedy) -> str:
    url, profile = r.get("url"), r.get("profile")
    if profile:
        value = url or "''"  # '' derives the authority from the instance again
        return f"fix it with `tokenlab profiles edit {profile} --authority {value}`"
    return f"use --authority {url or 'https://{instance}/id'}"


def _choose_name(r: Remedy) -> str:
    if r.get("action") == "import":
        return "import it under another name with --name NEW"
    return f"`tokenlab profiles edit {r.get('name') or 'NAME'}` changes it"


def _check_again(r: Remedy) -> str:
    return f"check again with `tokenlab doctor --profile {r.get('profile') or 'NAME'}`"


_EXPECTATION_FLAGS = {
    "issuer": "--authority",
    "audience": "--audience",
    "scopes": "--scope",
    "client_id": "--client-id",
}

RENDER: dict[RemedyKind, Callable[[Remedy], str]] = {
    RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY: _ways,
    RemedyKind.SIGN_IN_FIRST: lambda r: (
        f"`tokenlab token --profile {r.get('profile') or 'NAME'} --flow auth-code` (or --device) "
        "signs in"
    ),
    RemedyKind.STORE_SECRET: _store_secret,
    RemedyKind.GIVE_SECRET_FOR_RUN: _secret_for_run,
    RemedyKind.REMOVE_SECRET: lambda r: (
        f"remove it with `tokenlab secret rm {r.get('profile') or 'NAME'}"
        + (f" --kind {r.get('kind')}`" if r.get("kind") else "`")
    ),
    RemedyKind.SET_PROFILE_FIELD: _set_field,
    RemedyKind.GIVE_EXPECTATION: lambda r: (
        f"give {_EXPECTATION_FLAGS[r.get('what')]} or --profile"
        if r.get("what") in _EXPECTATION_FLAGS
        else "give --profile"
    ),
    RemedyKind.VERIFY_WITH_AUTHORITY: lambda r: "run again with --verify",
    RemedyKind.PROBE_THE_API: lambda r: (
        f"send it with `tokenlab probe --profile {r.get('profile', 'NAME')}`"
    ),
    RemedyKind.REQUEST_SCOPES: lambda r: (
        f"request them with --scope '{' '.join(r.get('scopes', ()))}'"
        if r.get("scopes")
        else "request the needed scopes with --scope"
    ),
    RemedyKind.FIX_AUTHORITY: _fix_authority,
    RemedyKind.ALLOW_INSECURE: lambda r: (
        f"if this is a test server you trust: `tokenlab profiles edit {r.get('profile')} --insecure`"
        if r.get("profile")
        else "pass --insecure if this is a test server you trust"
    ),
    RemedyKind.ALLOW_GLOBAL_AUTHORITY: lambda r: (
        "pass --allow-global-authority to get the token anyway and see the API refuse it"
    ),
    RemedyKind.TRUST_CA: lambda r: "give --ca-bundle PATH (or use the OS trust store)",
    RemedyKind.WAIT_LONGER: lambda r: "--wait SECONDS sets how long to wait",
    RemedyKind.RAISE_TIMEOUT: lambda r: "if it is just slow, raise --timeout SECONDS",
    RemedyKind.CHOOSE_ANOTHER_NAME: _choose_name,
    RemedyKind.CREATE_PROFILE: lambda r: (
        "create one with `tokenlab profiles add NAME --instance URL --scenario S --client-id ID`"
    ),
    RemedyKind.GET_NEW_TOKEN: lambda r: (
        f"get a new one: `tokenlab token --profile {r.get('profile', 'NAME')}`"
    ),
    RemedyKind.FIX_TRUSTED_APPLICATION: lambda r: (
        "on the instance, "
        + (f"set {r.get('setting')} of" if r.get("setting") else "fix")
        + " the Trusted Application"
        + (f" {r.get('client_id')!r}" if r.get("client_id") else "")
        + (f" to {r.get('value')}" if r.get("value") else "")
        + f", then {_check_again(r)}"
    ),
    RemedyKind.FIX_CLOCK: lambda r: (
        f"sync this machine's clock (NTP), then {_check_again(r)}"
        if r.get("clock") in ("this-machine", "")
        else f"{CLOCK_WORDS.get(r.get('clock'), 'a clock')} is off: tell the instance's "
        f"administrators, then {_check_again(r)}"
    ),
    RemedyKind.FIX_REQUEST: lambda r: (
        f"check the probe's {r.get('what', 'request')} (--path, --method, --header)"
    ),
    RemedyKind.START_SANDBOX: lambda r: (
        f"start it with `tokenlab sandbox --port {r.get('port') or 'PORT'}` in another terminal "
        "(or run `tokenlab demo`, which starts its own)"
    ),
    RemedyKind.NAME_REGISTRATION_ENTITY: lambda r: (
        "give the entity set's name with --entity NAME (it has Trusted Applications' fields: "
        "ApplicationUri, IsEnabled, Scope...)"
    ),
    RemedyKind.ASK_ADMINISTRATORS: lambda r: (
        f"ask the instance's administrators about {r.get('about') or 'this failure'}, and give "
        f"them the report of `tokenlab doctor --profile {r.get('profile') or 'NAME'} "
        "--report report.md`"
    ),
}


def render_remedy(remedy: Remedy | None) -> str:
    """The remedy as CLI words; "" when there is none."""
    if remedy is None:
        return ""
    return RENDER[remedy.kind](remedy)


def hint_with_remedy(hint: str, remedy: Remedy | None) -> str:
    """One hint line: the plain words, then what to type."""
    rendered = render_remedy(remedy)
    if hint and rendered:
        return f"{hint}; {rendered}"
    return hint or rendered

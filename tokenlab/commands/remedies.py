"""Remedies rendered as this face's words: flags and commands of the `tokenlab` CLI.

The core says what to do (`Remedy`); only here is that turned into `--flags`. Every kind has a
rendering (a test checks it), so a new kind cannot reach a user as nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.errors import Remedy, RemedyKind


def _ways(r: Remedy) -> str:
    flags = {"paste": "--paste", "device": "--device", "loopback": "--flow auth-code"}
    ways = r.get("ways", ("paste", "device"))
    return "run again with " + " or ".join(flags.get(w, w) for w in ways)


def _store_secret(r: Remedy) -> str:
    env = r.get("env")
    also = f", set {env}" if env else ""
    return (
        f"store it with `tokenlab secret set {r.get('profile', 'NAME')} --kind {r.get('kind')}`"
        f"{also}, or pass --secret-stdin"
    )


_FIELD_FLAGS = {
    "client_id": "--client-id",
    "key_path": "--key",
    "cert_path": "--cert",
    "timeout": "--timeout",
    "auth_method": "--auth-method",
    "ca_bundle": "--ca-bundle",
    "probe_headers": "--probe-header",
    "authority": "--authority",
    "instance": "--instance",
    "audience": "--audience",
    "scopes": "--scope",
    "redirect_uri": "--redirect-uri",
    "name": "--name",
}


def _set_field(r: Remedy) -> str:
    flag = _FIELD_FLAGS.get(r.get("field"), f"--{str(r.get('field')).replace('_', '-')}")
    example = r.get("example")
    value = f" {example}" if example else ""
    profile = r.get("profile")
    if profile:
        return f"`tokenlab profiles edit {profile} {flag}{value}`"
    return f"give {flag}{value}"


_EXPECTATION_FLAGS = {
    "issuer": "--authority",
    "audience": "--audience",
    "scopes": "--scope",
    "client_id": "--client-id",
}

RENDER: dict[RemedyKind, Callable[[Remedy], str]] = {
    RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY: _ways,
    RemedyKind.SIGN_IN_FIRST: lambda r: (
        f"sign in first: `tokenlab token --profile {r.get('profile', 'NAME')} --flow auth-code` "
        "(or --device)"
    ),
    RemedyKind.STORE_SECRET: _store_secret,
    RemedyKind.REMOVE_SECRET: lambda r: (
        f"`tokenlab secret rm {r.get('profile', 'NAME')} --kind {r.get('kind')}`"
    ),
    RemedyKind.SET_PROFILE_FIELD: _set_field,
    RemedyKind.GIVE_EXPECTATION: lambda r: (
        f"give {_EXPECTATION_FLAGS.get(r.get('what'), '--profile')} or --profile"
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
    RemedyKind.FIX_AUTHORITY: lambda r: (
        f"use --authority {r.get('url')}" if r.get("url") else "use the instance's authority"
    ),
    RemedyKind.ALLOW_INSECURE: lambda r: "pass --insecure if this is a test server you trust",
    RemedyKind.ALLOW_GLOBAL_AUTHORITY: lambda r: (
        "pass --allow-global-authority to get the token anyway and see the API refuse it"
    ),
    RemedyKind.TRUST_CA: lambda r: "give --ca-bundle PATH (or use the OS trust store)",
    RemedyKind.WAIT_LONGER: lambda r: "wait longer with --wait SECONDS",
    RemedyKind.RAISE_TIMEOUT: lambda r: "raise it with --timeout SECONDS",
    RemedyKind.CHOOSE_ANOTHER_NAME: lambda r: "give another name with --name NEW",
    RemedyKind.GET_NEW_TOKEN: lambda r: (
        f"get a new one: `tokenlab token --profile {r.get('profile', 'NAME')}`"
    ),
    RemedyKind.FIX_TRUSTED_APPLICATION: lambda r: (
        f"on the instance, set {r.get('setting')} of the Trusted Application"
        + (f" {r.get('client_id')!r}" if r.get("client_id") else "")
        + (f" to {r.get('value')}" if r.get("value") else "")
    ),
    RemedyKind.FIX_CLOCK: lambda r: (
        "sync this machine's clock (NTP)"
        if r.get("clock") == "this-machine"
        else f"the {r.get('clock')}'s clock is off: tell the instance's administrators"
    ),
    RemedyKind.FIX_REQUEST: lambda r: (
        f"check the probe's {r.get('what', 'request')} (--path, --method, --header)"
    ),
    RemedyKind.ASK_ADMINISTRATORS: lambda r: (
        f"ask the instance's administrators about {r.get('about') or 'this failure'}"
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

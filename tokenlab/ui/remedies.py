"""Remedies rendered as this console's words: its panes and keys, never a CLI flag.

The core says what to do (`Remedy`); the CLI says it as flags, the console as keys. Keys named
here are the main screen's: 1 Authority, 2 Flow (f chooses the flow, r runs it), 3 Token,
4 Probe, 5 Doctor, 6 Profiles (where e edits a profile, with its secret field), esc cancels. A pane's own keys are shown in the
footer when it has focus, so a step names the pane and what to do there (a test checks every
kind is here and none names a flag).
"""

from __future__ import annotations

from collections.abc import Callable

from tokenlab.core.errors import CLOCK_WORDS, Remedy, RemedyKind

FIELD_WORDS = {  # a profile field as the profile shows it
    "client_id": "client ID",
    "key_path": "private key file",
    "cert_path": "certificate file",
    "key_id": "key id (kid)",
    "assertion_audience": "assertion audience",
    "auth_method": "auth method",
    "ca_bundle": "CA bundle",
    "probe_headers": "probe headers",
    "redirect_uri": "redirect URI",
    "authority_url": "authority",
    "api_url": "API URL",
}
EXPECTATION_FIELD = {"issuer": "authority", "scopes": "scopes", "client_id": "client ID"}


def _profile(r: Remedy) -> str:
    name = r.get("profile")
    return f"profile {name}" if name else "the profile"


def _edit(r: Remedy, what: str) -> str:
    """A profile change: the Profiles pane's form."""
    return f"{what}: press 6 (Profiles), then e to edit {_profile(r)}"


def _ways(r: Remedy) -> str:
    ways = tuple(r.get("ways", ("paste", "device")))
    if "device" in ways:
        return (
            "run it by device code in the Flow pane (2): f until the flow is "
            "'code, by device', then r, and sign in on any device with a browser"
        )
    return (
        "run it again in the Flow pane (2) as 'code, by paste' (f to choose it, r to run), "
        "then paste the redirect URL into its paste box (p)"
    )


def _store_secret(r: Remedy) -> str:
    kind = r.get("kind") or "secret"
    env = r.get("env")
    also = f", or set {env} before starting the console" if env else ""
    return (
        f"store the {kind} of {_profile(r)}: press 6 (Profiles), e to edit it, and fill in "
        f"its secret field{also}; then run the flow again (2)"
    )


def _set_field(r: Remedy) -> str:
    field = str(r.get("field") or "field")
    words = FIELD_WORDS.get(field, field.replace("_", " "))
    example = r.get("example")
    to = f" to {example}" if example else ""
    return _edit(r, f"set the {words} of {_profile(r)}{to}")


def _request_scopes(r: Remedy) -> str:
    scopes = " ".join(r.get("scopes", ()))
    wanted = f"the scopes {scopes}" if scopes else "the scopes the API needs"
    return _edit(r, f"ask for {wanted} in {_profile(r)}") + ", then run the flow again (2)"


def _trusted_application(r: Remedy) -> str:
    client = f" {r.get('client_id')!r}" if r.get("client_id") else ""
    value = f" to {r.get('value')}" if r.get("value") else ""
    return f"on the instance, set {r.get('setting')} of the Trusted Application{client}{value}"


def _clock(r: Remedy) -> str:
    clock = r.get("clock")
    offset = r.get("offset_s")
    by = f" (off by about {offset} s)" if offset not in ("", None) else ""
    if clock == "this-machine":
        return f"sync this machine's clock (NTP){by}, then run the flow again (2)"
    return f"{CLOCK_WORDS.get(clock, 'a clock')} is off{by}: tell the instance's administrators"


RENDER: dict[RemedyKind, Callable[[Remedy], str]] = {
    RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY: _ways,
    RemedyKind.SIGN_IN_FIRST: lambda r: (
        f"sign in first: run the flow of {_profile(r)} in the Flow pane (2)"
    ),
    RemedyKind.STORE_SECRET: _store_secret,
    RemedyKind.REMOVE_SECRET: lambda r: (
        f"remove the stored {r.get('kind') or 'secret'} of {_profile(r)}: "
        "press 6 (Profiles) and delete or edit it"
    ),
    RemedyKind.SET_PROFILE_FIELD: _set_field,
    RemedyKind.GIVE_EXPECTATION: lambda r: _edit(
        r,
        f"set the expected {EXPECTATION_FIELD.get(r.get('what'), r.get('what') or 'value')} "
        "in the profile",
    ),
    RemedyKind.VERIFY_WITH_AUTHORITY: lambda r: (
        "verify it in the Token pane (3): the signature with the authority's keys"
    ),
    RemedyKind.PROBE_THE_API: lambda r: "send it to the API in the Probe pane (4)",
    RemedyKind.REQUEST_SCOPES: _request_scopes,
    RemedyKind.FIX_AUTHORITY: lambda r: _edit(
        r,
        f"set the profile's authority to {r.get('url')}"
        if r.get("url")
        else "use the instance's authority in the profile",
    ),
    RemedyKind.ALLOW_INSECURE: lambda r: _edit(
        r, "if this is a test server you trust, allow insecure (plain http) in the profile"
    ),
    RemedyKind.ALLOW_GLOBAL_AUTHORITY: lambda r: (
        "to see the API refuse a global token, get one in a shell with tokenlab token, "
        "allowing the global authority"
    ),
    RemedyKind.TRUST_CA: lambda r: _edit(
        r, "give the profile a CA bundle (or use the OS trust store)"
    ),
    RemedyKind.WAIT_LONGER: lambda r: (
        f"the wait ended after {r.get('seconds') or 'its limit'} s: run the flow again (2) "
        "and finish the sign-in within that time"
    ),
    RemedyKind.RAISE_TIMEOUT: lambda r: _edit(
        r, f"raise the profile's timeout (now {r.get('seconds') or '?'} s)"
    ),
    RemedyKind.CHOOSE_ANOTHER_NAME: lambda r: f"choose a name other than {r.get('name')!r}",
    RemedyKind.GIVE_SECRET_FOR_RUN: lambda r: (
        f"no keyring here: set {r.get('env') or 'the TOKENLAB_ variable'} before starting the "
        "console; a value kept for this run lives only until the console closes"
    ),
    RemedyKind.CREATE_PROFILE: lambda r: "create a profile: press 6 (Profiles), then a to add one",
    RemedyKind.GET_NEW_TOKEN: lambda r: f"run the flow of {_profile(r)} again (2) for a new token",
    RemedyKind.FIX_TRUSTED_APPLICATION: _trusted_application,
    RemedyKind.FIX_CLOCK: _clock,
    RemedyKind.START_SANDBOX: lambda r: (
        f"the demo sandbox (port {r.get('port') or '?'}) is not running: quit and start the "
        "console's demo again, which starts its own sandbox"
    ),
    RemedyKind.NAME_REGISTRATION_ENTITY: lambda r: (
        "type the entity set's name this instance uses in the Trusted Application check's "
        "entity field (6 Profiles, t on the profile), then run the check again"
    ),
    RemedyKind.ASK_ADMINISTRATORS: lambda r: (
        f"ask the instance's administrators about {r.get('about') or 'this failure'}; "
        "the Doctor pane (5) exports the checklist to give them"
    ),
    RemedyKind.FIX_REQUEST: lambda r: _edit(
        r, f"check the {r.get('what') or 'request'} of the profile's probe request"
    ),
}


def render_remedy(remedy: Remedy | None) -> str:
    """The remedy in this console's words; "" when there is none."""
    if remedy is None:
        return ""
    render = RENDER.get(remedy.kind)
    if render is None:  # a kind added in the core but not here yet: a test catches it
        return remedy.kind.value.replace("-", " ")
    return render(remedy)

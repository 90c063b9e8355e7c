"""The flows the console offers, and which one a profile starts with.

A choice is a flow of the core's registry plus how its sign-in is finished (`FlowOptions.finish`);
revoke and sign out are the session's steps (core/flows/session.py), run by the shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tokenlab.core.flow_options import Finish
from tokenlab.core.profiles import Profile
from tokenlab.core.urls import is_loopback_host


@dataclass(frozen=True)
class FlowChoice:
    key: str  # what the Select holds
    label: str
    flow: str  # a name of core/flows/registry.py, or "revoke" / "sign-out"
    finish: Finish | None = None


FLOW_CHOICES: tuple[FlowChoice, ...] = (
    FlowChoice("client-credentials", "client credentials", "client-credentials"),
    FlowChoice("auth-code:loopback", "code, by loopback", "auth-code", "loopback"),
    FlowChoice("auth-code:paste", "code, by paste", "auth-code", "paste"),
    FlowChoice("device", "code, by device", "device", "device"),
    FlowChoice("portal", "portal sign-in", "portal"),
    FlowChoice("refresh", "refresh", "refresh"),
    FlowChoice("reference-token", "reference token", "reference-token"),
    FlowChoice("revoke", "revoke", "revoke"),
    FlowChoice("sign-out", "sign out", "sign-out"),
)
CHOICE = {c.key: c for c in FLOW_CHOICES}


def redirect_is_loopback(profile: Profile) -> bool:
    """An empty redirect URI means tokenlab's own loopback listener."""
    if not profile.redirect_uri:
        return True
    try:
        host = urlsplit(profile.redirect_uri).hostname or ""
    except ValueError:
        return False
    return is_loopback_host(host)


def preset_choice(profile: Profile) -> FlowChoice:
    """The scenario's flow (the runner's DEFAULT_FLOW); the code flow finished by loopback when
    the redirect URI allows it, else by paste."""
    from tokenlab.core.flows.runner import DEFAULT_FLOW  # lazy: the runner imports httpx

    flow = DEFAULT_FLOW.get(profile.scenario, "client-credentials")
    if flow == "auth-code":
        return CHOICE["auth-code:loopback" if redirect_is_loopback(profile) else "auth-code:paste"]
    return next((c for c in FLOW_CHOICES if c.key == flow), FLOW_CHOICES[0])

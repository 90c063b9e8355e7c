"""Which flow the fleet runs for a profile, or None when only a person can get its token.

A fleet runs unattended: it must never open a browser or wait for a code to be typed. So:
- service-app: client credentials; automation: its reference token;
- web-app, spa, web-portal: a refresh with the refresh token kept from an earlier sign-in, when
  there is one; otherwise the row says "needs sign-in" (neither ok nor a failure: run that
  profile's own doctor to sign in once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokenlab.core.secrets import SecretKind

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile
    from tokenlab.core.secrets import SecretStore

NEEDS_SIGN_IN = "needs sign-in"

UNATTENDED_FLOWS = {
    "service-app": "client-credentials",
    "automation": "reference-token",
}


def unattended_flow(profile: Profile, secrets: SecretStore) -> str | None:
    """The flow that gets this profile's token with nobody at the keyboard, or None."""
    flow = UNATTENDED_FLOWS.get(profile.scenario)
    if flow is not None:
        return flow
    if secrets.get(profile.name, SecretKind.REFRESH_TOKEN):
        return "refresh"
    return None

"""The Trusted Application card: what the instance administrator configures for one profile,
field by field, in the platform's own names (platform-identity.md, "Trusted Application").

The secret's stored form, `base64(sha256(secret))`, is computed here from the secret in the
store; the secret itself is never part of the card, so the card can be shown, copied and sent.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from tokenlab.core.errors import RemedyKind, UsageError, remedy
from tokenlab.core.profiles import Profile
from tokenlab.core.scopes import API_SCOPES, LEGACY_SCOPES, PROTOCOL_SCOPES
from tokenlab.core.secrets import SecretKind, SecretStore

# The scenario's ClientType (the seed's five tutorials); automation has no Trusted Application.
CLIENT_TYPES = {
    "web-app": "Confidential",
    "spa": "Public",
    "web-portal": "Confidential",
    "service-app": "Confidential",
}
SERVICE_SCENARIOS = ("service-app", "web-portal")  # client_credentials: a SystemUser is needed
INTERACTIVE_SCENARIOS = ("web-app", "spa", "web-portal")  # a user signs in: impersonation
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
# The flows' loopback redirect when a profile names none (flows/authorize.py says the same).
LOOPBACK_REDIRECT = "http://127.0.0.1/callback"


# Where the hashed secret came from (SecretLocation.source), in words.
SOURCE_WORDS = {
    "memory": "secret given for this run",
    "keyring": "secret in the keyring",
    "public-demo-value": "published sandbox demo value",
}


def secret_hash(secret: str) -> str:
    """How the platform stores a client secret: `base64(sha256(secret))`."""
    return base64.b64encode(hashlib.sha256(secret.encode()).digest()).decode()


@dataclass(frozen=True)
class CardField:
    """One line of the card: the platform's field name, the value to set, and why."""

    name: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class TrustedAppCard:
    profile: str
    client_id: str  # ApplicationUri
    client_type: str
    system_user_allowed: bool
    impersonate_internal: bool
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    secret_hash: str | None  # None: a public client, a key, or no secret in the store
    secret_source: str = ""  # where the hashed secret came from (keyring, memory, ...)
    notes: tuple[str, ...] = ()
    is_enabled: bool = True

    @property
    def needs_secret(self) -> bool:
        return self.client_type == "Confidential"

    def fields(self) -> tuple[CardField, ...]:
        rows = [
            CardField("ApplicationUri", self.client_id, "the client_id"),
            CardField("IsEnabled", _yes(self.is_enabled), "the kill switch"),
            CardField("ClientType", self.client_type, _client_type_note(self.client_type)),
            CardField(
                "SystemUserAllowed",
                _yes(self.system_user_allowed),
                "for client_credentials" if self.system_user_allowed else "no client_credentials",
            ),
        ]
        if self.system_user_allowed:
            rows.append(
                CardField(
                    "SystemUser",
                    "(a user with the rights the app needs)",
                    "",
                )
            )
        rows += [
            CardField(
                "ImpersonateAsInternalUserAllowed",
                _yes(self.impersonate_internal),
                "a user signs in" if self.impersonate_internal else "no user signs in",
            ),
            CardField(
                "ImpersonateAsCommunityUserAllowed",
                "no",
                "community users get no API tokens",
            ),
        ]
        if self.impersonate_internal:
            rows.append(
                CardField(
                    "ImpersonateLoginUrl",
                    ",".join(self.redirect_uris),
                    "exact, case-sensitive; comma-separated",
                )
            )
        rows.append(CardField("Scope", " ".join(self.scopes), "space-delimited, case-sensitive"))
        if self.needs_secret:
            rows.append(_secret_field(self))
        return tuple(rows)

    def text(self) -> str:
        """The card as plain text, one field a line: what an administrator copies."""
        rows = self.fields()
        width = max(len(r.name) for r in rows)
        lines = [f"Trusted Application for profile {self.profile!r}"]
        for row in rows:
            note = f"  ({row.note})" if row.note else ""
            lines.append(f"  {row.name.ljust(width)}  {row.value or '-'}{note}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "application_uri": self.client_id,
            "is_enabled": self.is_enabled,
            "client_type": self.client_type,
            "system_user_allowed": self.system_user_allowed,
            "system_user_required": self.system_user_allowed,
            "impersonate_as_internal_user_allowed": self.impersonate_internal,
            "impersonate_as_community_user_allowed": False,
            "redirect_uris": list(self.redirect_uris),
            "scope": list(self.scopes),
            "secret_hash": self.secret_hash,
            "secret_source": self.secret_source or None,
            "fields": [{"name": r.name, "value": r.value, "note": r.note} for r in self.fields()],
            "notes": list(self.notes),
        }


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _client_type_note(client_type: str) -> str:
    if client_type == "Public":
        return "sends no secret"
    return "sends its secret"


def _secret_field(card: TrustedAppCard) -> CardField:
    if card.secret_hash is None:
        return CardField("client secret (stored form)", "", "no secret stored for this profile")
    return CardField(
        "client secret (stored form)",
        card.secret_hash,
        "base64(sha256(secret))",
    )


def redirect_uris(profile: Profile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The redirect URIs to register, and notes about them."""
    if profile.scenario not in INTERACTIVE_SCENARIOS:
        return (), ()
    if profile.redirect_uri:
        return (profile.redirect_uri,), ()
    note = (
        f"no redirect URI in the profile: tokenlab signs in at {LOOPBACK_REDIRECT} "
        "(a loopback address, any port)"
    )
    return (LOOPBACK_REDIRECT,), (note,)


def card_scopes(profile: Profile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Scope list (no protocol scopes, no legacy `DomainApi`), and notes about what was left out."""
    notes: list[str] = []
    protocol = [s for s in profile.scopes if s in PROTOCOL_SCOPES]
    legacy = [s for s in profile.scopes if s in LEGACY_SCOPES]
    kept = tuple(s for s in profile.scopes if s not in (*PROTOCOL_SCOPES, *LEGACY_SCOPES))
    if protocol:
        notes.append(
            f"{' '.join(protocol)}: protocol scopes, never configured on the Trusted Application"
        )
    if legacy:
        notes.append(f"{' '.join(legacy)}: legacy, must not be used; the profile should drop it")
    if not kept:
        kept = API_SCOPES
        notes.append("the profile asks for no API scope: read and update are what the APIs check")
    return kept, tuple(notes)


def _stored_secret(profile: Profile, secrets: SecretStore) -> tuple[str | None, str, str]:
    """(hash, where the secret came from, a note) for a profile that authenticates with one."""
    if profile.auth_method == "private_key_jwt":
        note = "the app signs a client assertion with its key: register the public key, no secret"
        return None, "", note
    if profile.auth_method not in SECRET_METHODS:
        return None, "", ""
    value, where = secrets.lookup(
        profile.name, SecretKind.CLIENT_SECRET, profile.public_secret, quiet=True
    )
    if value is None:
        return None, "", "store the profile's client secret to see its stored form here"
    source = SOURCE_WORDS.get(where.source, where.source)
    if where.source == "environment":
        source = f"secret in {where.detail}"
    note = f"the stored form is computed here from the {source}; the secret is never shown"
    return secret_hash(value), source, note


def build_card(profile: Profile, secrets: SecretStore) -> TrustedAppCard:
    """The card of `profile`; the secret (when it has one) is read only to hash it."""
    client_type = CLIENT_TYPES.get(profile.scenario)
    if client_type is None:
        raise UsageError(
            f"profile {profile.name!r} is an automation profile: it sends a reference token, "
            "and no Trusted Application is involved",
            "the card is for profiles that get their token from the identity service",
        )
    if not profile.client_id:
        raise UsageError(
            f"profile {profile.name!r} has no client id",
            "the client id is the Trusted Application's ApplicationUri",
            remedy=remedy(RemedyKind.SET_PROFILE_FIELD, profile=profile.name, field="client_id"),
        )
    uris, uri_notes = redirect_uris(profile)
    scopes, scope_notes = card_scopes(profile)
    hashed, source, secret_note = (None, "", "")
    if client_type == "Confidential":
        hashed, source, secret_note = _stored_secret(profile, secrets)
    return TrustedAppCard(
        profile=profile.name,
        client_id=profile.client_id,
        client_type=client_type,
        system_user_allowed=profile.scenario in SERVICE_SCENARIOS,
        impersonate_internal=profile.scenario in INTERACTIVE_SCENARIOS,
        redirect_uris=uris,
        scopes=scopes,
        secret_hash=hashed,
        secret_source=source,
        notes=(*uri_notes, *scope_notes, *((secret_note,) if secret_note else ())),
    )

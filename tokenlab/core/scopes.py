"""The platform's scope words that need care (platform-identity.md, "Scopes").

A leaf module: the light commands (decode) read these without loading the table of causes.
"""

from __future__ import annotations

# never configured on the Trusted Application; never in a client-credentials token
PROTOCOL_SCOPES = ("openid", "profile", "offline_access")
# legacy: must not be used any more
LEGACY_SCOPES = ("DomainApi",)
# what the instance APIs check: read-only and create/modify/delete
API_SCOPES = ("read", "update")

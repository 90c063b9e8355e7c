"""A profile as a JSON-ready view, field by field from the table, derived URLs filled in."""

from __future__ import annotations

from typing import Any

from tokenlab.core.profiles.model import FIELDS, Profile, plain, value_at


def profile_summary(profile: Profile) -> dict[str, Any]:
    """Every field a person may want to see (no secrets: profiles hold none)."""
    out: dict[str, Any] = {}
    for f in FIELDS:
        key = f.key if f.summary_key is None else f.summary_key
        if not key:
            continue
        if f.derived:  # authority_url -> "authority": what is used, and whether it was derived
            out[key] = getattr(profile, key)
            out[f"{key}_derived"] = not value_at(profile, f.path)
            continue
        (out.setdefault(f.table, {}) if f.table else out)[key] = plain(
            value_at(profile, f.path), f.kind
        )
    out["uses_public_demo_values"] = bool(profile.public_secret or profile.public_reference_token)
    return out

"""What is risky in a profile someone else wrote: each risk is a field and a plain reason.

A profile says where secrets and tokens are sent and what is trusted on the way, so a profile
file from elsewhere (`profiles import`) can turn tokenlab against its user: TLS checks off, the
client secret sent to another host, the access token to another origin, an attacker's CA
trusted. None of these is invalid (each has honest uses); each is shown before an import, so
the user decides. One rule per row of `RULES`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from tokenlab.core.profiles.model import Profile
from tokenlab.core.urls import is_cleartext, is_loopback_host

# Request headers that carry a credential of their own (compared in lower case).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ProfileRisk:
    field: str  # the profile field ("tls.verify", "probe.path", ...)
    reason: str  # what is risky and what it would do, in plain words

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


def origin(url: str) -> str:
    """`scheme://host[:port]` in lower case, the scheme's default port left out (so an explicit
    `:443` is the same origin as none)."""
    try:
        parts = urlsplit(url)
        scheme, port = parts.scheme.lower(), parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    shown_port = "" if port in (None, _DEFAULT_PORTS.get(scheme)) else f":{port}"
    return f"{scheme}://{host}{shown_port}"


def probe_target(profile: Profile) -> str:
    """Where the probe sends the token: its path resolved against the API base like a link."""
    base = profile.api.rstrip("/") + "/"
    url = urljoin(base, profile.probe.path)
    return url if urlsplit(url).scheme in ("http", "https") else base + profile.probe.path


def _tls_off(p: Profile) -> str | None:
    if p.tls.verify:
        return None
    return (
        "TLS verification is off: anyone on the network path can pose as the identity service "
        "or the API and read the client secret and every token sent to them"
    )


def _insecure(p: Profile) -> str | None:
    if not p.allow_insecure:
        return None
    plain = [u for u in (p.instance, p.authority, p.api) if is_cleartext(u)]
    where = f" (here: {', '.join(dict.fromkeys(plain))})" if plain else ""
    return (
        "plain http is allowed to hosts that are not loopback: the client secret and tokens "
        f"can cross the network in clear text{where}"
    )


def _api_elsewhere(p: Profile) -> str | None:
    if not p.api_url or origin(p.api) == origin(p.instance):
        return None
    return (
        f"the API URL is on {origin(p.api)}, not on the instance ({origin(p.instance)}): "
        "every access token is sent there"
    )


def _probe_elsewhere(p: Profile) -> str | None:
    target = origin(probe_target(p))
    if target == origin(p.api):
        return None
    return (
        f"the probe path leads to {target}, not to the API ({origin(p.api)}): the probe sends "
        "a fresh access token there"
    )


def _authority_elsewhere(p: Profile) -> str | None:
    if not p.authority_url:
        return None
    from tokenlab.core.authority import classify  # lazy: most commands never need it

    if classify(p.authority) == "global":
        return (
            f"the authority {p.authority} is a global authority, not the instance's: sign-ins "
            "go there, and its tokens are not accepted by the instance's API"
        )
    if origin(p.authority) == origin(p.instance):
        return None
    return (
        f"the authority is on {origin(p.authority)}, not on the instance "
        f"({origin(p.instance)}): the client secret and every sign-in go there"
    )


def _credential_headers(p: Profile) -> str | None:
    names = [k for k, _ in p.probe.headers if k.strip().lower() in CREDENTIAL_HEADERS]
    if not names:
        return None
    return (
        f"the probe sends its own {', '.join(names)} header(s): a credential written in the "
        "file goes with every probe (and may replace the token)"
    )


def _demo_values_off_sandbox(p: Profile) -> str | None:
    if not (p.public_secret or p.public_reference_token):
        return None
    host = urlsplit(p.instance).hostname or ""
    if is_loopback_host(host):
        return None  # the sandbox runs on this machine; its demo values are published
    return (
        f"the profile holds a 'published demo' secret for {host}, which is not a sandbox on "
        "this machine: a secret in a plain file, sent as the client's credential"
    )


def own_dirs() -> tuple[Path, ...]:
    """The user's own directories: the home directory and tokenlab's config directory."""
    from tokenlab.core.storage import config_dir

    return tuple(d.expanduser().resolve() for d in (Path.home(), config_dir()))


def _writable_by_others(path: Path) -> bool:
    try:
        st, parent = path.stat(), path.parent.stat()
    except OSError:
        return False
    others_write = bool(stat.S_IMODE(st.st_mode) & 0o022)
    # a directory anyone may write to lets anyone swap the file (unless it is sticky, like /tmp)
    loose_dir = bool(parent.st_mode & 0o002) and not parent.st_mode & stat.S_ISVTX
    foreign = os.name != "nt" and st.st_uid not in (os.geteuid(), 0)
    return others_write or loose_dir or foreign


def ca_bundle_risk(p: Profile, dirs: tuple[Path, ...] | None = None) -> str | None:
    if not p.tls.ca_bundle:
        return None
    path = Path(p.tls.ca_bundle).expanduser().resolve()
    dirs = own_dirs() if dirs is None else dirs
    trusts = f"the profile trusts the CA certificates in {path}"
    consequence = "whoever can change that file can pose as any server tokenlab talks to"
    if not any(path.is_relative_to(d) for d in dirs):
        return f"{trusts}, outside your own directories: {consequence}"
    if _writable_by_others(path):
        return f"{trusts}, which others can change: {consequence}"
    return None


RULES: tuple[tuple[str, Callable[[Profile], str | None]], ...] = (
    ("tls.verify", _tls_off),
    ("allow_insecure", _insecure),
    ("tls.ca_bundle", ca_bundle_risk),
    ("authority_url", _authority_elsewhere),
    ("api_url", _api_elsewhere),
    ("probe.path", _probe_elsewhere),
    ("probe.headers", _credential_headers),
    ("public_secret", _demo_values_off_sandbox),
)


def profile_risks(profile: Profile) -> tuple[ProfileRisk, ...]:
    """Every risk `profile` carries, in the order of `RULES`; () for an ordinary profile."""
    found = ((path, rule(profile)) for path, rule in RULES)
    return tuple(ProfileRisk(path, reason) for path, reason in found if reason)

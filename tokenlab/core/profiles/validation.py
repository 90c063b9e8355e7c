"""Is a profile usable? One rule per line of a table; the first broken one is reported."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tokenlab.core.errors import ProfileError, RemedyKind, UsageError, remedy
from tokenlab.core.profiles.model import (
    ASSERTION_AUDIENCES,
    AUTH_METHODS,
    FIELDS,
    SCENARIOS,
    Profile,
    value_at,
)
from tokenlab.core.profiles.url_credentials import url_credentials
from tokenlab.core.timeouts import seconds_hint, seconds_problem
from tokenlab.core.urls import check_url

# Matched whole (fullmatch): with `$`, "name\n" would pass and name a file "name\n.toml".
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE_BREAKS = ("\r", "\n", "\x00")  # would end the header and start another
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _is_file(path: str) -> bool:
    try:
        return Path(path).expanduser().is_file()
    except (RuntimeError, ValueError, OSError):  # ~nosuchuser, a NUL byte, a name too long
        return False


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ProfileError(
            f"profile name {name!r} is not valid",
            "use letters, digits, '.', '_' or '-' (up to 64 characters), e.g. acme-service",
        )
    return name


def _bad_header(p: Profile) -> str | None:
    return next((k for k, _ in p.probe.headers if not _HEADER_NAME.fullmatch(k)), None)


def _broken_header_value(p: Profile) -> str | None:
    """The name of a header whose value holds a line break (never the value: it may be secret)."""
    return next((k for k, v in p.probe.headers if any(c in v for c in _HEADER_VALUE_BREAKS)), None)


@dataclass(frozen=True)
class Rule:
    """`broken(profile)` says the field at `path` is unusable; `example` feeds the remedy."""

    path: str
    broken: Callable[[Profile], bool]
    message: Callable[[Profile], str]
    hint: str
    example: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "scenario",
        lambda p: p.scenario not in SCENARIOS,
        lambda p: f"unknown scenario {p.scenario!r}",
        f"use one of: {', '.join(SCENARIOS)}",
    ),
    Rule(
        "auth_method",
        lambda p: p.auth_method not in AUTH_METHODS,
        lambda p: f"unknown client auth method {p.auth_method!r}",
        f"use one of: {', '.join(AUTH_METHODS)}",
    ),
    Rule(
        "client_id",
        lambda p: p.scenario != "automation" and not p.client_id,
        lambda p: f"profile {p.name!r} has no client id",
        "the client id is the Trusted Application's ApplicationUri, e.g. com.vendor/app",
        example="com.vendor/app",
    ),
    Rule(
        "key_path",
        lambda p: p.auth_method == "private_key_jwt" and not p.key_path,
        lambda p: "private_key_jwt needs a private key",
        "give the path of a PEM private key",
        example="PATH",
    ),
    Rule(
        "assertion_audience",
        lambda p: p.assertion_audience not in ASSERTION_AUDIENCES,
        lambda p: f"unknown assertion audience {p.assertion_audience!r}",
        f"use one of: {', '.join(ASSERTION_AUDIENCES)}",
        example="issuer",
    ),
    Rule(
        "key_id",
        lambda p: any(c.isspace() or not c.isprintable() for c in p.key_id),
        lambda p: "the key id has spaces or control characters",
        "give the `kid` of the client's key exactly as its JWKS lists it",
        example="KID",
    ),
    Rule(
        "loopback_port",
        lambda p: not 0 <= p.loopback_port <= 65535,
        lambda p: f"loopback port {p.loopback_port} is out of range",
        "use 0..65535 (0: any free port)",
        example="0",
    ),
    Rule(
        "timeout",
        lambda p: seconds_problem(p.timeout) is not None,
        lambda p: f"a timeout of {seconds_problem(p.timeout)}",
        seconds_hint(),
        example="10",
    ),
    Rule(
        "tls.ca_bundle",
        lambda p: bool(p.tls.ca_bundle) and not _is_file(p.tls.ca_bundle),
        lambda p: f"CA bundle {p.tls.ca_bundle!r} does not exist",
        "give the path of a PEM file with the CA certificates to trust",
        example="PATH",
    ),
    Rule(
        "probe.method",
        lambda p: p.probe.method.upper() not in METHODS,
        lambda p: f"probe method {p.probe.method!r} is not an HTTP method",
        f"use one of {METHODS}",
    ),
    Rule(
        "probe.headers",
        lambda p: _bad_header(p) is not None,
        lambda p: f"probe header name {_bad_header(p)!r} is not valid",
        "use a plain header name like Accept",
        example="'Accept: application/json'",
    ),
    Rule(
        "probe.headers",
        lambda p: _broken_header_value(p) is not None,
        lambda p: f"probe header {_broken_header_value(p)!r} has a line break in its value",
        "a header value is one line: remove the line breaks",
        example="'Accept: application/json'",
    ),
)


def _check_url_credentials(profile: Profile) -> None:
    """Before anything else looks at a URL (and might repeat it in a message)."""
    for f in FIELDS:
        value = value_at(profile, f.path)
        found = url_credentials(value) if f.kind == "url" and value else None
        if found is not None:
            raise ProfileError(
                f"{f.label} {found.shown} {found.problem}",
                "credentials never belong in a profile URL: a profile is a plain file that is "
                "shown and shared; keep secrets in the keyring",
                field=f.path,
                remedy=remedy(RemedyKind.SET_PROFILE_FIELD, field=f.path, example=found.clean),
            )


def _check_urls(profile: Profile) -> None:
    for f in FIELDS:
        value = value_at(profile, f.path)
        if f.kind == "url" and (value or f.always_written):  # the instance is always needed
            try:
                check_url(value, what=f.label, allow_insecure=profile.allow_insecure)
            except UsageError as exc:
                raise ProfileError(exc.message, exc.hint, field=f.path, remedy=exc.remedy) from None


def validate(profile: Profile) -> None:
    """Raise a `ProfileError` naming the first field that is not usable."""
    try:
        check_name(profile.name)
    except ProfileError as exc:
        raise ProfileError(exc.message, exc.hint, field="name") from None
    _check_url_credentials(profile)
    _check_urls(profile)
    for rule in RULES:
        if rule.broken(profile):
            raise ProfileError(
                rule.message(profile),
                rule.hint,
                field=rule.path,
                remedy=remedy(RemedyKind.SET_PROFILE_FIELD, field=rule.path, example=rule.example),
            )

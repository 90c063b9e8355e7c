"""Named instance profiles: one TOML file per profile in `{config_dir}/profiles/`.

A profile never holds a secret (those live in the keyring, see `secrets.py`); the only
exception is a sandbox profile's *public* demo values, which are published by design.
Hand-edited files are welcome: errors name the file, the line and the field, and tokenlab never
overwrites a file it could not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

from tokenlab.core.errors import (
    ConfigFileError,
    ProfileError,
    ProfileExistsError,
    ProfileNotFoundError,
    UsageError,
)
from tokenlab.core.storage import config_dir, ensure_private_dir, write_private_file
from tokenlab.core.urls import check_url, join_url

SCHEMA_VERSION = 1

Scenario = Literal["web-app", "spa", "web-portal", "service-app", "automation"]
AuthMethod = Literal["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]
SCENARIOS: tuple[str, ...] = get_args(Scenario)
AUTH_METHODS: tuple[str, ...] = get_args(AuthMethod)

# What each scenario does by default (platform-identity.md, "The scenarios").
DEFAULT_AUTH_METHOD: dict[str, AuthMethod] = {
    "web-app": "client_secret_basic",
    "spa": "none",
    "web-portal": "client_secret_basic",
    "service-app": "client_secret_basic",
    "automation": "none",
}
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    "web-app": ("openid", "profile", "offline_access", "read", "update"),
    "spa": ("openid", "profile", "read", "update"),
    "web-portal": ("read", "update"),
    "service-app": ("read", "update"),
    "automation": (),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class TlsOptions:
    verify: bool = True
    ca_bundle: str = ""  # a PEM file of extra trusted CAs (a corporate proxy's, a test CA)
    os_trust_store: bool = False  # trust what the operating system trusts (truststore)


@dataclass(frozen=True)
class ProbeRequest:
    method: str = "GET"
    path: str = "Crm_Sales_Customers?$top=1"  # relative to the profile's API base URL
    headers: tuple[tuple[str, str], ...] = (("Accept", "application/json"),)
    body: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    instance: str
    scenario: Scenario
    client_id: str = ""
    authority_url: str = ""  # empty: derived as {instance}/id
    api_url: str = ""  # empty: derived as {instance}/api/domain/odata/
    auth_method: AuthMethod = "client_secret_basic"
    key_path: str = ""  # private_key_jwt: PEM private key
    cert_path: str = ""  # private_key_jwt: optional certificate, for x5t#S256
    scopes: tuple[str, ...] = ()
    redirect_uri: str = ""
    loopback_port: int = 0  # 0: any free port
    authorize_params: tuple[tuple[str, str], ...] = ()
    audience: str = ""
    tls: TlsOptions = field(default_factory=TlsOptions)
    timeout: float = 10.0
    probe: ProbeRequest = field(default_factory=ProbeRequest)
    allow_insecure: bool = False  # plain http to a host that is not loopback
    description: str = ""
    public_secret: str = ""  # sandbox only: a published demo client secret, not a secret
    public_reference_token: str = ""  # sandbox only: a published demo reference token

    @property
    def authority(self) -> str:
        return self.authority_url or join_url(self.instance, "id")

    @property
    def api(self) -> str:
        return self.api_url or join_url(self.instance, "api/domain/odata/")

    @property
    def is_public_client(self) -> bool:
        return self.auth_method == "none"


def new_profile(name: str, instance: str, scenario: str, **values: Any) -> Profile:
    """A profile with the scenario's defaults for what is not given (validated when saved)."""
    if scenario not in SCENARIOS:
        raise ProfileError(f"unknown scenario {scenario!r}", f"use one of: {', '.join(SCENARIOS)}")
    values.setdefault("auth_method", DEFAULT_AUTH_METHOD[scenario])
    values.setdefault("scopes", DEFAULT_SCOPES[scenario])
    return Profile(name=name, instance=instance, scenario=cast(Scenario, scenario), **values)


def validate(profile: Profile) -> None:
    """Raise a `UsageError` naming the first field that is not usable."""

    def fail(field: str, message: str, hint: str) -> ProfileError:
        return ProfileError(message, hint, field=field)

    try:
        check_name(profile.name)
    except ProfileError as exc:
        raise fail("name", exc.message, exc.hint) from None
    for attr, what in (
        ("instance", "instance URL"),
        ("authority_url", "authority URL"),
        ("api_url", "API URL"),
        ("redirect_uri", "redirect URI"),
    ):
        value = getattr(profile, attr)
        if attr == "instance" or value:
            try:
                check_url(value, what=what, allow_insecure=profile.allow_insecure)
            except UsageError as exc:
                raise fail(attr, exc.message, exc.hint) from None
    if profile.scenario not in SCENARIOS:
        raise fail(
            "scenario",
            f"unknown scenario {profile.scenario!r}",
            f"use one of: {', '.join(SCENARIOS)}",
        )
    if profile.auth_method not in AUTH_METHODS:
        raise fail(
            "auth_method",
            f"unknown client auth method {profile.auth_method!r}",
            f"use one of: {', '.join(AUTH_METHODS)}",
        )
    if profile.scenario != "automation" and not profile.client_id:
        raise fail(
            "client_id",
            f"profile {profile.name!r} has no client id",
            "give --client-id: the Trusted Application's ApplicationUri, e.g. com.vendor/app",
        )
    if profile.auth_method == "private_key_jwt" and not profile.key_path:
        raise fail(
            "key_path",
            "private_key_jwt needs a private key",
            "give --key PATH to a PEM private key",
        )
    if not 0 <= profile.loopback_port <= 65535:
        raise fail(
            "loopback_port",
            f"loopback port {profile.loopback_port} is out of range",
            "use 0..65535 (0: any free port)",
        )
    if not profile.timeout > 0:
        raise fail("timeout", f"timeout {profile.timeout} must be positive", "e.g. --timeout 10")
    if profile.tls.ca_bundle and not Path(profile.tls.ca_bundle).expanduser().is_file():
        raise fail(
            "tls.ca_bundle",
            f"CA bundle {profile.tls.ca_bundle!r} does not exist",
            "give the path of a PEM file with the CA certificates to trust",
        )
    if profile.probe.method.upper() not in _METHODS:
        raise fail(
            "probe.method",
            f"probe method {profile.probe.method!r} is not an HTTP method",
            f"use one of {_METHODS}",
        )
    for key, _ in profile.probe.headers:
        if not _HEADER_NAME.match(key):
            raise fail(
                "probe.headers",
                f"probe header name {key!r} is not valid",
                "use a plain header name like Accept",
            )


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ProfileError(
            f"profile name {name!r} is not valid",
            "use letters, digits, '.', '_' or '-' (up to 64 characters), e.g. acme-service",
        )
    return name


# --- TOML <-> Profile -------------------------------------------------------------------------

_HEADER_COMMENT = (
    "# tokenlab profile. Secrets are never stored here: see `tokenlab secret set`.\n"
    "# authority_url and api_url are derived from instance when absent.\n"
)


def to_toml(profile: Profile) -> str:
    import tomli_w  # lazy: only writers need it

    doc: dict[str, Any] = {"schema": SCHEMA_VERSION}
    defaults = Profile(name="x", instance="https://x", scenario="service-app")
    for f in fields(Profile):
        value = getattr(profile, f.name)
        if f.name in ("tls", "probe", "authorize_params"):
            continue
        if f.name not in (
            "name",
            "instance",
            "scenario",
            "client_id",
            "auth_method",
            "scopes",
        ) and (value == getattr(defaults, f.name)):
            continue  # keep hand-edited files short: defaults stay implicit
        doc[f.name] = list(value) if isinstance(value, tuple) else value
    if profile.authorize_params:
        doc["authorize_params"] = dict(profile.authorize_params)
    doc["tls"] = {
        "verify": profile.tls.verify,
        "os_trust_store": profile.tls.os_trust_store,
        **({"ca_bundle": profile.tls.ca_bundle} if profile.tls.ca_bundle else {}),
    }
    doc["probe"] = {
        "method": profile.probe.method,
        "path": profile.probe.path,
        "headers": dict(profile.probe.headers),
        **({"body": profile.probe.body} if profile.probe.body else {}),
    }
    return _HEADER_COMMENT + tomli_w.dumps(doc)


class _FieldReader:
    """Reads typed fields from parsed TOML, naming the file, line and field on a mistake."""

    def __init__(self, data: dict[str, Any], path: str, text: str, table: str = "") -> None:
        self.data = data
        self.path = path
        self.text = text
        self.table = table
        self.used: set[str] = set()

    def fail(self, key: str, message: str, hint: str = "") -> ConfigFileError:
        name = f"{self.table}.{key}" if self.table else key
        return ConfigFileError(
            self.path, message, hint, line=_line_of(self.text, key, self.table), field=name
        )

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, what: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            raise self.fail(key, f"expected {what}, found {type(value).__name__} {value!r}")
        return value

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self.get(key, (list, str), [], "a list of strings")
        if isinstance(value, str):  # "read update" is what people type by hand
            return tuple(value.split())
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of strings", 'e.g. scopes = ["read", "update"]')
        return tuple(value)

    def str_table(self, key: str) -> tuple[tuple[str, str], ...]:
        value = self.get(key, dict, {}, "a table of strings")
        if not all(isinstance(v, str) for v in value.values()):
            raise self.fail(key, "expected string values", f'e.g. [{key}] prompt = "login"')
        return tuple((str(k), v) for k, v in value.items())

    def table_reader(self, key: str) -> _FieldReader:
        value = self.get(key, dict, {}, "a table")
        return _FieldReader(value, self.path, self.text, table=key)

    def reject_unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise self.fail(
                    key, "unknown field", "check the spelling; see `tokenlab profiles show NAME`"
                )


def _line_of(text: str, key: str, table: str) -> int | None:
    """The 1-based line where `key` is set (inside `[table]` when given)."""
    current = ""
    pattern = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if current == (f"{table}.{key}" if table else key):
                return number
            continue
        if current == table and pattern.match(line):
            return number
    return None


def from_toml(text: str, path: str) -> Profile:
    import tomllib  # lazy: commands that only build the parser never read a profile

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigFileError(
            path,
            f"not valid TOML: {exc}",
            "fix the file by hand or remove it; tokenlab will not overwrite it",
            line=int(match.group(1)) if match else None,
        ) from None
    r = _FieldReader(data, path, text)
    schema = r.get("schema", int, None, "an integer")
    if schema is None:
        raise r.fail(
            "schema", "missing schema version", f"add `schema = {SCHEMA_VERSION}` at the top"
        )
    if schema > SCHEMA_VERSION:
        raise ConfigFileError(
            path,
            f"written by a newer tokenlab (schema {schema}; this one reads {SCHEMA_VERSION})",
            "upgrade tokenlab (pip install -U tokenlab); the file was left as it is",
            field="schema",
        )
    if schema < 1:
        raise r.fail("schema", f"unknown schema version {schema}", f"use schema = {SCHEMA_VERSION}")
    tls_r = r.table_reader("tls")
    probe_r = r.table_reader("probe")
    scenario = r.get("scenario", str, "", "a string")
    if scenario not in SCENARIOS:
        raise r.fail(
            "scenario", f"unknown scenario {scenario!r}", f"use one of: {', '.join(SCENARIOS)}"
        )
    auth_method = r.get("auth_method", str, DEFAULT_AUTH_METHOD[scenario], "a string")
    if auth_method not in AUTH_METHODS:
        raise r.fail(
            "auth_method",
            f"unknown client auth method {auth_method!r}",
            f"use one of: {', '.join(AUTH_METHODS)}",
        )
    try:
        profile = Profile(
            name=r.get("name", str, "", "a string"),
            instance=r.get("instance", str, "", "a string"),
            scenario=scenario,
            client_id=r.get("client_id", str, "", "a string"),
            authority_url=r.get("authority_url", str, "", "a string"),
            api_url=r.get("api_url", str, "", "a string"),
            auth_method=auth_method,
            key_path=r.get("key_path", str, "", "a string"),
            cert_path=r.get("cert_path", str, "", "a string"),
            scopes=r.str_list("scopes"),
            redirect_uri=r.get("redirect_uri", str, "", "a string"),
            loopback_port=r.get("loopback_port", int, 0, "an integer"),
            authorize_params=r.str_table("authorize_params"),
            audience=r.get("audience", str, "", "a string"),
            tls=TlsOptions(
                verify=tls_r.get("verify", bool, True, "true or false"),
                ca_bundle=tls_r.get("ca_bundle", str, "", "a string"),
                os_trust_store=tls_r.get("os_trust_store", bool, False, "true or false"),
            ),
            timeout=r.get("timeout", float, 10.0, "a number of seconds"),
            probe=ProbeRequest(
                method=probe_r.get("method", str, "GET", "a string").upper(),
                path=probe_r.get("path", str, ProbeRequest.path, "a string"),
                headers=probe_r.str_table("headers")
                if "headers" in probe_r.data
                else ProbeRequest.headers,
                body=probe_r.get("body", str, "", "a string"),
            ),
            allow_insecure=r.get("allow_insecure", bool, False, "true or false"),
            description=r.get("description", str, "", "a string"),
            public_secret=r.get("public_secret", str, "", "a string"),
            public_reference_token=r.get("public_reference_token", str, "", "a string"),
        )
        for reader in (r, tls_r, probe_r):
            reader.reject_unknown()
        validate(profile)
    except ConfigFileError:
        raise
    except UsageError as exc:  # a bad URL, a missing client id, ...: say where it is
        table, _, key = exc.field.rpartition(".")
        line = _line_of(text, key, table) if key else None
        raise ConfigFileError(path, exc.message, exc.hint, line=line, field=exc.field) from None
    return profile


# --- the store ----------------------------------------------------------------------------------


class ProfileStore:
    """The profiles directory. Every write is atomic; a file that cannot be read is never replaced."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else config_dir()
        self.dir = self.root / "profiles"

    def path_for(self, name: str) -> Path:
        return self.dir / f"{check_name(name)}.toml"

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        try:
            return sorted(p.stem for p in self.dir.glob("*.toml") if not p.name.startswith("."))
        except PermissionError:
            raise ConfigFileError(
                str(self.dir), "cannot list the profiles directory", "check its permissions"
            ) from None

    def exists(self, name: str) -> bool:
        return self.path_for(name).exists()

    def load(self, name: str) -> Profile:
        path = self.path_for(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            known = self.names()
            hint = (
                f"known profiles: {', '.join(known)}"
                if known
                else "create one with `tokenlab profiles add`"
            )
            raise ProfileNotFoundError(f"no profile named {name!r}", hint) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(
                str(path), f"cannot read the file: {exc}", "check its permissions and encoding"
            ) from None
        profile = from_toml(text, str(path))
        if profile.name != name:
            raise ConfigFileError(
                str(path),
                f"the file holds profile {profile.name!r}, not {name!r}",
                f"rename the file to {profile.name}.toml or fix its name field",
                field="name",
                line=_line_of(text, "name", ""),
            )
        return profile

    def load_all(self) -> tuple[list[Profile], list[ConfigFileError]]:
        """Every readable profile, and an error for each file that is not (listing never fails)."""
        good: list[Profile] = []
        bad: list[ConfigFileError] = []
        for name in self.names():
            try:
                good.append(self.load(name))
            except ConfigFileError as exc:
                bad.append(exc)
            except ProfileError as exc:
                bad.append(ConfigFileError(str(self.path_for(name)), exc.message, exc.hint))
        return good, bad

    def create(self, profile: Profile) -> Path:
        validate(profile)
        if self.exists(profile.name):
            raise ProfileExistsError(
                f"profile {profile.name!r} already exists",
                f"change it with `tokenlab profiles edit {profile.name}`, or pick another name",
            )
        return self._write(profile)

    def update(self, name: str, change: Callable[[Profile], Profile]) -> Profile:
        """Load, change and save: a file that does not load is left untouched."""
        profile = change(self.load(name))
        validate(profile)
        self._write(profile)
        return profile

    def save(self, profile: Profile) -> Path:
        """Create or replace; an existing file must load first, so nothing unreadable is lost."""
        if self.exists(profile.name):
            self.load(profile.name)
        validate(profile)
        return self._write(profile)

    def delete(self, name: str) -> None:
        path = self.path_for(name)
        if not path.exists():
            raise ProfileNotFoundError(f"no profile named {name!r}", "see `tokenlab profiles list`")
        path.unlink()

    def copy(self, name: str, new_name: str) -> Profile:
        profile = replace(self.load(name), name=check_name(new_name))
        self.create(profile)
        return profile

    def import_text(self, text: str, source: str, new_name: str | None = None) -> Profile:
        profile = from_toml(text, source)
        if new_name:
            profile = replace(profile, name=check_name(new_name))
        if self.exists(profile.name):
            raise ProfileExistsError(
                f"profile {profile.name!r} already exists",
                "import it under another name with --name NEW",
            )
        self.create(profile)
        return profile

    def _write(self, profile: Profile) -> Path:
        ensure_private_dir(self.root)
        ensure_private_dir(self.dir)
        path = self.path_for(profile.name)
        write_private_file(path, to_toml(profile))
        return path


def profile_summary(profile: Profile) -> dict[str, Any]:
    """A JSON-ready view with the derived URLs filled in (no secrets: profiles hold none)."""
    return {
        "name": profile.name,
        "description": profile.description,
        "instance": profile.instance,
        "authority": profile.authority,
        "authority_derived": not profile.authority_url,
        "api": profile.api,
        "api_derived": not profile.api_url,
        "scenario": profile.scenario,
        "client_id": profile.client_id,
        "auth_method": profile.auth_method,
        "key_path": profile.key_path,
        "cert_path": profile.cert_path,
        "scopes": list(profile.scopes),
        "redirect_uri": profile.redirect_uri,
        "loopback_port": profile.loopback_port,
        "authorize_params": dict(profile.authorize_params),
        "audience": profile.audience,
        "tls": {
            "verify": profile.tls.verify,
            "ca_bundle": profile.tls.ca_bundle,
            "os_trust_store": profile.tls.os_trust_store,
        },
        "timeout": profile.timeout,
        "probe": {
            "method": profile.probe.method,
            "path": profile.probe.path,
            "headers": dict(profile.probe.headers),
            "body": profile.probe.body,
        },
        "allow_insecure": profile.allow_insecure,
        "uses_public_demo_values": bool(profile.public_secret or profile.public_reference_token),
    }


def parse_header_args(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`Name: value` strings from the command line."""
    out = []
    for item in values:
        key, sep, value = item.partition(":")
        if not sep or not key.strip():
            raise ProfileError(
                f"header {item!r} is not `Name: value`",
                "e.g. --probe-header 'Accept: application/json'",
            )
        out.append((key.strip(), value.strip()))
    return tuple(out)

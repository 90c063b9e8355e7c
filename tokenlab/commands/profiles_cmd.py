"""`tokenlab profiles ...`: add, list, show, edit, rm, copy, export, import."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from tokenlab.commands.arguments import timeout_arg
from tokenlab.commands.columns import profile_table
from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, ConfigFileError, ProfileError, UsageError
from tokenlab.core.profiles import (
    ASSERTION_AUDIENCES,
    AUTH_METHODS,
    SCENARIOS,
    Profile,
    ProfileRisk,
    new_profile,
    profile_risks,
    profile_summary,
    to_toml,
)
from tokenlab.core.storage import write_private_file


def add_parser(sub: Any) -> None:
    profiles = sub.add_parser(
        "profiles", help="named instance profiles", description="Manage named instance profiles."
    )
    psub = profiles.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)

    add = psub.add_parser("add", help="create a profile")
    add.add_argument("name")
    add.add_argument(
        "--instance", required=True, help="the instance URL, e.g. https://acme.my.erp.net"
    )
    add.add_argument("--scenario", required=True, choices=SCENARIOS)
    add.add_argument("--client-id", default="", help="the Trusted Application's ApplicationUri")
    _profile_options(add)
    add.set_defaults(run=_add)

    ls = psub.add_parser("list", help="list profiles")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=_list)

    show = psub.add_parser("show", help="show one profile")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    edit = psub.add_parser("edit", help="change fields of a profile")
    edit.add_argument("name")
    edit.add_argument("--instance")
    edit.add_argument("--scenario", choices=SCENARIOS)
    edit.add_argument("--client-id")
    edit.add_argument("--rename", metavar="NEW", help="give the profile a new name")
    _profile_options(edit)
    edit.set_defaults(run=_edit)

    rm = psub.add_parser(
        "rm", help="delete a profile (its secrets stay until `tokenlab secret rm`)"
    )
    rm.add_argument("name")
    rm.add_argument("-y", "--yes", action="store_true", help="delete without asking (for scripts)")
    rm.set_defaults(run=_rm)

    copy = psub.add_parser("copy", help="copy a profile under a new name")
    copy.add_argument("name")
    copy.add_argument("new_name")
    copy.set_defaults(run=_copy)

    export = psub.add_parser("export", help="write a profile as TOML (never with secrets)")
    export.add_argument("name")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(run=_export)

    imp = psub.add_parser(
        "import", help="import a profile from a TOML file ('-' for standard input)"
    )
    imp.add_argument("file")
    imp.add_argument("--name", help="import under this name")
    imp.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="import even when the profile has risky settings (they are still listed)",
    )
    imp.set_defaults(run=_import)


def _profile_options(p: argparse.ArgumentParser) -> None:
    """Options shared by add and edit; None means "not given" (edit keeps the old value)."""
    p.add_argument("--authority", help="authority URL (default: {instance}/id; '' to derive again)")
    p.add_argument(
        "--api", help="API base URL (default: {instance}/api/domain/odata/; '' to derive again)"
    )
    p.add_argument(
        "--auth-method", choices=AUTH_METHODS, help="client authentication at the token endpoint"
    )
    p.add_argument("--scope", help='space-separated scopes, e.g. "read update"')
    p.add_argument("--redirect-uri", help="redirect URI registered on the Trusted Application")
    p.add_argument(
        "--loopback-port", type=int, help="fixed port for the loopback listener (0: any)"
    )
    p.add_argument("--audience", help="expected 'aud' of access tokens")
    p.add_argument("--ca-bundle", help="PEM file of extra CA certificates to trust")
    p.add_argument(
        "--os-trust-store",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="trust the OS certificate store",
    )
    p.add_argument(
        "--tls-verify",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="verify TLS certificates (default: on)",
    )
    p.add_argument("--key", help="private_key_jwt: PEM private key path")
    p.add_argument("--cert", help="private_key_jwt: certificate path (for x5t#S256)")
    p.add_argument(
        "--key-id",
        metavar="KID",
        help="private_key_jwt: the client assertion's kid (the key's id in the client's JWKS)",
    )
    p.add_argument(
        "--assertion-audience",
        choices=ASSERTION_AUDIENCES,
        help="private_key_jwt: the assertion's aud (default token_endpoint; some providers want issuer)",
    )
    p.add_argument("--timeout", type=timeout_arg, help="seconds per HTTP request (default 10)")
    p.add_argument(
        "--authorize-param",
        action="append",
        metavar="KEY=VALUE",
        help="extra authorize parameter (repeatable)",
    )
    p.add_argument("--probe-method", help="HTTP method of the API probe")
    p.add_argument("--probe-path", help="path of the API probe, relative to the API URL")
    p.add_argument(
        "--probe-header", action="append", metavar="'NAME: VALUE'", help="probe header (repeatable)"
    )
    p.add_argument("--description", help="a line that says what the profile is for")
    p.add_argument(
        "--insecure",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="allow plain http to a host that is not loopback",
    )


def _key_values(items: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{item!r} is not KEY=VALUE", "e.g. --authorize-param prompt=login")
        out.append((key, value))
    return tuple(out)


def parse_header_args(values: list[str]) -> tuple[tuple[str, str], ...]:
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


def _file_path(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    return str(Path(value).expanduser().resolve())


def _apply_options(profile: Profile, args: argparse.Namespace) -> Profile:
    changes: dict[str, Any] = {}
    simple = {
        "authority": "authority_url",
        "api": "api_url",
        "auth_method": "auth_method",
        "redirect_uri": "redirect_uri",
        "loopback_port": "loopback_port",
        "audience": "audience",
        "key_id": "key_id",
        "assertion_audience": "assertion_audience",
        "timeout": "timeout",
        "description": "description",
        "insecure": "allow_insecure",
    }
    for option, attr in simple.items():
        value = getattr(args, option)
        if value is not None:
            changes[attr] = value
    for option in ("instance", "client_id", "scenario"):
        value = getattr(args, option, None)
        if value is not None:
            changes[option] = value
    if args.scope is not None:
        changes["scopes"] = tuple(args.scope.split())
    if args.key is not None:
        changes["key_path"] = _file_path(args.key)
    if args.cert is not None:
        changes["cert_path"] = _file_path(args.cert)
    if args.authorize_param:
        changes["authorize_params"] = _key_values(args.authorize_param)
    tls = profile.tls
    if args.ca_bundle is not None:
        tls = replace(tls, ca_bundle=_file_path(args.ca_bundle) or "")
    if args.tls_verify is not None:
        tls = replace(tls, verify=args.tls_verify)
    if args.os_trust_store is not None:
        tls = replace(tls, os_trust_store=args.os_trust_store)
    probe = profile.probe
    if args.probe_method is not None:
        probe = replace(probe, method=args.probe_method.upper())
    if args.probe_path is not None:
        probe = replace(probe, path=args.probe_path)
    if args.probe_header:
        probe = replace(probe, headers=parse_header_args(args.probe_header))
    return replace(profile, **changes, tls=tls, probe=probe)


def _add(args: argparse.Namespace, ctx: CommandContext) -> int:
    base = new_profile(args.name, args.instance, args.scenario, client_id=args.client_id)
    profile = _apply_options(base, args)
    if args.auth_method is None and args.scenario != "automation" and profile.key_path:
        profile = replace(profile, auth_method="private_key_jwt")  # a key says how it signs in
    path = ctx.profiles.create(profile)
    ctx.out(f"created profile {profile.name!r} in {path}")
    if profile.auth_method in ("client_secret_basic", "client_secret_post"):
        ctx.out(f"next: store its client secret with `tokenlab secret set {profile.name}`")
    elif profile.scenario == "automation":
        ctx.out(
            f"next: store its reference token with `tokenlab secret set {profile.name} --kind reference-token`"
        )
    return 0


def _list(args: argparse.Namespace, ctx: CommandContext) -> int:
    good, bad = ctx.profiles.load_all()
    if args.json:
        ctx.json(
            {
                "profiles": [profile_summary(p) for p in good],
                "unreadable": [
                    {"path": e.path, "line": e.line, "field": e.field, "error": e.message}
                    for e in bad
                ],
            },
            schema="profiles.list",
        )
    else:
        if not good and not bad:
            ctx.out(
                "no profiles yet: create one with `tokenlab profiles add NAME --instance URL --scenario S --client-id ID`"
            )
        for line in profile_table(good):
            ctx.out(line)
    for e in bad:
        ctx.warn(f"unreadable profile: {e.message}", e.hint, e.remedy)
    return 1 if bad else 0


def _show(args: argparse.Namespace, ctx: CommandContext) -> int:
    profile = ctx.profiles.load(args.name)
    summary = profile_summary(profile)
    if args.json:
        ctx.json(summary, schema="profiles.show")
        return 0
    for key, value in summary.items():
        if key.endswith("_derived"):
            continue
        if key in ("authority", "api") and summary[f"{key}_derived"]:
            value = f"{value}  (derived from instance)"
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
        elif isinstance(value, list):
            value = " ".join(value) or "-"
        ctx.out(f"{key:<24} {value if value not in ('', None) else '-'}")
    return 0


def _edit(args: argparse.Namespace, ctx: CommandContext) -> int:
    store = ctx.profiles
    old = store.load(args.name)  # a file that does not load is never replaced
    profile = _apply_options(old, args)
    if args.rename:
        profile = replace(profile, name=args.rename)
        store.create(profile)
        store.delete(old.name)
        ctx.out(
            f"renamed profile {old.name!r} to {profile.name!r} (secrets stay under the old name)"
        )
        return 0
    store.save(profile)  # validates first
    ctx.out(f"updated profile {profile.name!r}")
    return 0


def _rm(args: argparse.Namespace, ctx: CommandContext) -> int:
    if not ctx.profiles.exists(args.name):
        ctx.profiles.load(args.name)  # fails, with "did you mean", before anything is asked
    if not args.yes:
        if not ctx.stdin.isatty():
            raise UsageError(
                f"not deleting profile {args.name!r}: there is no terminal to ask for consent",
                f"to delete it from a script, run `tokenlab profiles rm {args.name} --yes`",
            )
        ctx.stderr.write(f"Delete profile {args.name!r}? [y/N] ")
        ctx.stderr.flush()
        if ctx.stdin.readline().strip().lower() not in ("y", "yes"):
            ctx.stderr.write("tokenlab: nothing was deleted\n")
            return EXIT_FAILURE
    ctx.profiles.delete(args.name)
    ctx.out(
        f"deleted profile {args.name!r}; remove its secrets with `tokenlab secret rm {args.name}`"
    )
    return 0


def _copy(args: argparse.Namespace, ctx: CommandContext) -> int:
    ctx.profiles.copy(args.name, args.new_name)
    ctx.out(f"copied profile {args.name!r} to {args.new_name!r} (secrets are not copied)")
    return 0


def _export(args: argparse.Namespace, ctx: CommandContext) -> int:
    text = to_toml(ctx.profiles.load(args.name))
    if args.output:
        write_private_file(Path(args.output).expanduser(), text)
        ctx.stderr.write(f"exported profile {args.name!r} to {args.output}\n")
    else:
        ctx.stdout.write(text)
    return 0


def _import(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.file == "-":
        text, source = ctx.stdin.read(), "<stdin>"
    else:
        try:
            text, source = Path(args.file).expanduser().read_text(encoding="utf-8"), args.file
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(
                args.file, f"cannot read the file: {exc}", "check the path"
            ) from None
    profile = ctx.profiles.read_import(text, source, args.name)
    risks = profile_risks(profile)
    if risks:
        _show_risks(ctx, profile, source, risks)
        if not _consent(args, ctx, asks_stdin=args.file == "-"):
            ctx.error(f"profile {profile.name!r} was not imported", "nothing was written")
            return EXIT_FAILURE
    ctx.profiles.create(profile, action="import")
    accepted = f" ({len(risks)} risky setting(s) accepted)" if risks else ""
    ctx.out(f"imported profile {profile.name!r}{accepted}")
    return 0


def _show_risks(
    ctx: CommandContext, profile: Profile, source: str, risks: tuple[ProfileRisk, ...]
) -> None:
    ctx.warn(f"the profile {profile.name!r} in {source} has {len(risks)} risky setting(s):")
    for risk in risks:
        ctx.stderr.write(f"  - {risk.field}: {risk.reason}\n")


def _consent(args: argparse.Namespace, ctx: CommandContext, *, asks_stdin: bool) -> bool:
    """--yes, else the user's answer on a terminal; no terminal to ask on: refused."""
    if args.yes:
        return True
    if asks_stdin or not ctx.stdin.isatty():
        raise UsageError(
            "the profile has risky settings and there is no terminal to ask: not imported",
            "read the settings above; if you trust the file, import it with --yes",
        )
    ctx.stderr.write("Import it anyway? [y/N] ")
    ctx.stderr.flush()
    return ctx.stdin.readline().strip().lower() in ("y", "yes")

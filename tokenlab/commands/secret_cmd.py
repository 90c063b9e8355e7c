"""`tokenlab secret ...`: put, inspect and remove a profile's secrets. Never prints a value."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import UsageError
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretKind

KINDS = [k.value for k in SecretKind]


def add_parser(sub: Any) -> None:
    secret = sub.add_parser(
        "secret",
        help="a profile's secrets (OS keyring)",
        description="Manage secrets in the OS keyring.",
    )
    ssub = secret.add_subparsers(dest="secret_command", metavar="ACTION", required=True)

    put = ssub.add_parser("set", help="store a secret in the keyring")
    put.add_argument("name", help="profile name")
    put.add_argument("--kind", choices=KINDS, default=SecretKind.CLIENT_SECRET.value)
    put.add_argument(
        "--stdin",
        action="store_true",
        help="read the value from standard input instead of a prompt",
    )
    put.set_defaults(run=_set)

    status = ssub.add_parser("status", help="which secrets exist and where (never their values)")
    status.add_argument("name", help="profile name")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)

    rm = ssub.add_parser("rm", help="remove secrets from the keyring")
    rm.add_argument("name", help="profile name")
    rm.add_argument("--kind", choices=KINDS, help="only this kind (default: all)")
    rm.set_defaults(run=_rm)


def read_secret_value(ctx: CommandContext, *, from_stdin: bool, prompt: str) -> str:
    """One secret from standard input (first line) or a no-echo prompt; never from argv."""
    if from_stdin:
        value = ctx.stdin.readline().rstrip("\r\n")
    elif ctx.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        raise UsageError("no terminal to prompt for the secret", "pipe it in with --stdin")
    if not value:
        raise UsageError("the secret is empty", "give a non-empty value")
    return value


def _public_values(profile: Profile) -> dict[SecretKind, str]:
    return {
        SecretKind.CLIENT_SECRET: profile.public_secret,
        SecretKind.REFERENCE_TOKEN: profile.public_reference_token,
    }


def _set(args: argparse.Namespace, ctx: CommandContext) -> int:
    profile = ctx.profiles.load(args.name)  # secrets belong to an existing profile
    kind = SecretKind(args.kind)
    value = read_secret_value(
        ctx, from_stdin=args.stdin, prompt=f"{kind.value} for {profile.name}: "
    )
    where = ctx.secrets.store(profile.name, kind, value)
    ctx.out(f"stored the {kind.value} of {profile.name!r} in {where.source} ({where.detail})")
    return 0


def _status(args: argparse.Namespace, ctx: CommandContext) -> int:
    profile = ctx.profiles.load(args.name)
    store = ctx.secrets
    backend = store.backend_status()
    locations = store.status(profile.name, _public_values(profile))
    if args.json:
        ctx.json(
            {
                "profile": profile.name,
                "backend": {
                    "name": backend.name,
                    "usable": backend.usable,
                    "reason": backend.reason,
                    "description": backend.describe(),
                },
                "secrets": [loc.to_json() for loc in locations],
            },
            schema="secret.status",
        )
        return 0
    ctx.out(f"backend: {backend.describe()}")
    for loc in locations:
        detail = f" ({loc.detail})" if loc.detail else ""
        ctx.out(f"{loc.kind.value:<16} {loc.source}{detail}")
    return 0


def _rm(args: argparse.Namespace, ctx: CommandContext) -> int:
    kinds = [SecretKind(args.kind)] if args.kind else list(SecretKind)
    removed = [k.value for k in kinds if ctx.secrets.delete(args.name, k)]
    if removed:
        ctx.out(f"removed from {args.name!r}: {', '.join(removed)}")
    else:
        ctx.out(f"nothing stored for {args.name!r}")
    return 0

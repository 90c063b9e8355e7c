"""`tokenlab app card|check`: the Trusted Application a profile needs, and the one the instance has."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK

if TYPE_CHECKING:
    from tokenlab.core.trusted_app import AppCheck


def add_parser(sub: Any) -> None:
    app = sub.add_parser(
        "app",
        help="the Trusted Application: what to configure, and what is configured",
        description="The Trusted Application (the client registration inside the instance) "
        "for a profile: its card, and a check against the instance's own registration.",
    )
    asub = app.add_subparsers(dest="app_command", metavar="ACTION", required=True)

    card = asub.add_parser(
        "card",
        help="what the administrator configures for this profile, field by field",
        description="Print the Trusted Application's fields for the profile, in the platform's "
        "names. The secret's stored form, base64(sha256(secret)), is computed locally; the "
        "secret is never shown or sent.",
    )
    card.add_argument("--profile", "-p", required=True)
    card.add_argument("--json", action="store_true")
    card.set_defaults(run=_card)

    check = asub.add_parser(
        "check",
        help="read the registration with an administrator's token and compare it with the card",
        description="Get a token for the administrator profile, read the Trusted Application "
        "from the instance's Domain API and compare it with the card field by field. "
        "Exit 1 when anything differs.",
    )
    check.add_argument("--profile", "-p", required=True)
    check.add_argument(
        "--admin-profile", "-a", required=True, help="a profile whose token may read the entity"
    )
    check.add_argument(
        "--entity",
        help="the OData entity set of Trusted Applications "
        "(default: Systems_Security_TrustedApplications, inferred from the platform's naming)",
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_check)


def _card(args: argparse.Namespace, ctx: CommandContext) -> int:
    from tokenlab.core.trusted_app import build_card

    card = build_card(ctx.profiles.load(args.profile), ctx.secrets)
    if args.json:
        ctx.json(card.to_json(), schema="app.card")
    else:
        ctx.out(card.text())
    return EXIT_OK


def run_check(
    ctx: CommandContext, profile_name: str, admin_name: str, entity: str | None
) -> AppCheck:
    """The check as the doctor's --admin-profile also runs it."""
    import asyncio

    from tokenlab.core.trusted_app import DEFAULT_ENTITY, build_card, compare
    from tokenlab.core.trusted_app.fetch import fetch_registration

    profile = ctx.profiles.load(profile_name)
    admin = ctx.profiles.load(admin_name)
    card = build_card(profile, ctx.secrets)
    name = entity or DEFAULT_ENTITY
    registration = asyncio.run(
        fetch_registration(admin, card.client_id, secrets=ctx.secrets, bus=ctx.bus, entity=name)
    )
    return compare(card, registration, entity=name, admin_profile=admin.name)


def _times() -> dict[str, Any]:
    return {"checked_at": int(time.time())}  # ctx.json adds its ISO twin


def check_lines(check: AppCheck) -> list[str]:
    reg = check.registration
    where = reg.url if reg else check.entity
    lines = [
        f"Trusted Application {check.card.client_id!r} for profile {check.card.profile!r}",
        f"read as {check.admin_profile!r} from {where}",
    ]
    rows = [(c.field, c.expected or "-", c.registered or "-", c.status) for c in check.comparisons]
    head = ("field", "card", "registered", "")
    widths = [min(44, max(len(r[i]) for r in (head, *rows))) for i in range(3)]
    for row in (head, *rows):
        cells = [row[i][: widths[i]].ljust(widths[i]) for i in range(3)]
        lines.append("  " + "  ".join((*cells, row[3])).rstrip())
    for c in check.comparisons:
        if c.status in ("mismatch", "extra") and c.detail:
            lines.append(f"  {c.status}: {c.field}: {c.detail}")
    lines.append(
        "the registration matches the card"
        if check.ok
        else f"{len(check.mismatches)} mismatch(es): {', '.join(check.kinds())}"
    )
    return lines


def _check(args: argparse.Namespace, ctx: CommandContext) -> int:
    check = run_check(ctx, args.profile, args.admin_profile, args.entity)
    if args.json:
        ctx.json({**check.to_json(), **_times()}, schema="app.check")
    else:
        for line in check_lines(check):
            ctx.out(line)
    return EXIT_OK if check.ok else EXIT_FAILURE

"""`tokenlab doctor --profile NAME`: the "Get an Access Token" guide's "Validate the Token"
checklist, run for real."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tokenlab.commands.context import CommandContext
from tokenlab.commands.doctor_all import add_fleet_options, check_fleet_args
from tokenlab.commands.token_cmd import add_flow_options
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "doctor",
        help="check a profile end to end: the 'Get an Access Token' guide's checklist "
        "(token issued, issuer, signature, expiry, scopes, API answers 200)",
        description="Check the authority, run the profile's flow, check the token and call the API; "
        "print the checklist and the most likely cause. Exit 0 only when the API answered 200. "
        "With --all: every profile (or a --profiles glob) at once, one row each; exit 1 if any failed.",
    )
    p.add_argument("--profile", "-p")
    add_fleet_options(p)
    p.add_argument(
        "--report", metavar="FILE", help="also write a report: FILE.md (Markdown) or FILE.json"
    )
    p.add_argument(
        "--share",
        metavar="FILE",
        help="also write a bundle safe for a support ticket: FILE.md (Markdown) or FILE.json; "
        "secrets removed, token signatures dropped, personal data hashed",
    )
    p.add_argument("--json", action="store_true", help="the whole report as JSON on stdout")
    p.add_argument(
        "--header",
        choices=("authorization", "x-api-key"),
        default="authorization",
        help="how to send a reference token",
    )
    p.add_argument(
        "--admin-profile",
        metavar="ADMIN",
        help="first read the Trusted Application's registration with this profile's token, "
        "so the causes say what the registration says",
    )
    p.add_argument(
        "--entity",
        help="with --admin-profile: the OData entity set of Trusted Applications "
        "(default: Systems_Security_TrustedApplications)",
    )
    add_flow_options(p)
    p.add_argument("-v", "--verbose", action="store_true", help="trace every exchange on stderr")
    p.set_defaults(run=_run)


def _report_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == ".json":
        return "json"
    raise UsageError(f"cannot tell the report format of {path!r}", "name it FILE.md or FILE.json")


def _app_check_json(facts: Any) -> dict[str, Any]:
    if facts.app_check is not None:
        return {**facts.app_check.to_json(), "error": None}
    error = facts.app_check_error
    return {"ok": None, "error": error.message if error is not None else None}


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    from tokenlab.commands.remedies import hint_with_remedy
    from tokenlab.commands.token_cmd import flow_options, read_stdin_secret
    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.doctor import run_doctor
    from tokenlab.core.report import checklist_lines, render, report_json
    from tokenlab.core.storage import write_private_file

    check_fleet_args(args)
    if args.all:
        from tokenlab.commands.doctor_all import run_all

        return run_all(args, ctx)
    fmt = _report_format(args.report) if args.report else ""
    share_fmt = _report_format(args.share) if args.share else ""
    profile = ctx.profiles.load(args.profile)
    admin = ctx.profiles.load(args.admin_profile) if args.admin_profile else None
    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    TracePrinter(ctx.stderr, verbose=False, quiet=not args.verbose).attach(ctx.bus)
    run = asyncio.run(
        run_doctor(
            profile,
            secrets=ctx.secrets,
            bus=ctx.bus,
            options=flow_options(args, ctx),
            header=args.header,
            admin_profile=admin,
            registration_entity=args.entity,
        )
    )
    doc = report_json(run, ctx.secrets.redactor)
    if admin is not None:
        doc["app_check"] = _app_check_json(run.facts)
    if args.report:
        text = render(doc, fmt, ctx.secrets.redactor, hint_with_remedy)
        write_private_file(Path(args.report).expanduser(), text)
        ctx.stderr.write(f"report written to {args.report}\n")
    if args.share:
        from tokenlab.core.share import share_bundle, share_text

        bundle = share_bundle(run, ctx.secrets.redactor)
        text = share_text(bundle, share_fmt, ctx.secrets.redactor, hint_with_remedy)
        write_private_file(Path(args.share).expanduser(), text)
        ctx.stderr.write(f"share bundle written to {args.share}\n")
    if args.json:
        ctx.json(doc, schema="doctor")
    else:
        for line in checklist_lines(run, hint_with_remedy, ctx.secrets.redactor):
            ctx.out(line)
    return EXIT_OK if run.diagnosis.api_ok else EXIT_FAILURE

"""`tokenlab doctor --profile NAME`: the seed's "Validate the token" checklist, run for real."""

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
        help="run everything and print the seed's checklist",
        description="Check the authority, run the profile's flow, check the token and call the API; "
        "print the checklist and the most likely cause. Exit 0 only when the API answered 200. "
        "With --all: every profile (or a --profiles glob) at once, one row each; exit 1 if any failed.",
    )
    p.add_argument("--profile", "-p")
    add_fleet_options(p)
    p.add_argument(
        "--report", metavar="FILE", help="also write a report: FILE.md (Markdown) or FILE.json"
    )
    p.add_argument("--json", action="store_true", help="the whole report as JSON on stdout")
    p.add_argument(
        "--header",
        choices=("authorization", "x-api-key"),
        default="authorization",
        help="how to send a reference token",
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
    profile = ctx.profiles.load(args.profile)
    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    TracePrinter(ctx.stderr, verbose=False, quiet=not args.verbose).attach(ctx.bus)
    run = asyncio.run(
        run_doctor(
            profile,
            secrets=ctx.secrets,
            bus=ctx.bus,
            options=flow_options(args, ctx),
            header=args.header,
        )
    )
    doc = report_json(run, ctx.secrets.redactor)
    if args.report:
        text = render(doc, fmt, ctx.secrets.redactor, hint_with_remedy)
        write_private_file(Path(args.report).expanduser(), text)
        ctx.stderr.write(f"report written to {args.report}\n")
    if args.json:
        ctx.json(doc)
    else:
        for line in checklist_lines(run, hint_with_remedy, ctx.secrets.redactor):
            ctx.out(line)
    return EXIT_OK if run.diagnosis.api_ok else EXIT_FAILURE

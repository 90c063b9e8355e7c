"""`tokenlab doctor --profile NAME`: the seed's "Validate the token" checklist, run for real."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from tokenlab.commands.context import CommandContext
from tokenlab.commands.token_cmd import add_flow_options
from tokenlab.core.errors import UsageError

MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "doctor",
        help="run everything and print the seed's checklist",
        description="Check the authority, run the profile's flow, check the token and call the API; "
        "print the checklist and the most likely cause. Exit 0 only when the API answered 200.",
    )
    p.add_argument("--profile", "-p", required=True)
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
    from tokenlab.commands.token_cmd import flow_options, read_stdin_secret
    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.doctor import run_doctor
    from tokenlab.core.report import render, report_json
    from tokenlab.core.storage import write_private_file

    fmt = _report_format(args.report) if args.report else ""
    profile = ctx.profiles.load(args.profile)
    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    args.quiet = not args.verbose
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
        write_private_file(Path(args.report).expanduser(), render(doc, fmt, ctx.secrets.redactor))
        ctx.stderr.write(f"report written to {args.report}\n")
    if args.json:
        ctx.json(doc)
    else:
        for line in checklist_lines(run):
            ctx.out(line)
    return 0 if run.diagnosis.api_ok else 1


def checklist_lines(run: Any) -> list[str]:
    """The checklist as text lines: the CLI prints them, the console shows them."""
    d = run.diagnosis
    p = run.facts.profile
    lines = [f"doctor: {p.name} ({p.scenario}) against {p.authority}"]
    for step in d.steps:
        lines.append(f"  [{MARK[step.status]}] {step.title}")
        if step.evidence:
            lines.append(f"         {step.evidence}")
        if step.hint and step.status in ("fail", "warn"):
            lines.append(f"         hint: {step.hint}")
    if d.causes:
        lines += ["", "most likely cause first:"]
        for i, c in enumerate(d.causes, 1):
            lines += [f"  {i}. {c.title}", f"     evidence: {c.evidence}", f"     fix: {c.fix}"]
    lines += [
        "",
        "OK: the API answered HTTP 200 to the first request"
        if d.api_ok
        else "NOT OK: the first API request did not return HTTP 200",
    ]
    return lines

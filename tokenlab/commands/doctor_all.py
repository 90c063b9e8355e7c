"""`tokenlab doctor --all`: the doctor on every profile (or a glob of them) at once, one row each."""

from __future__ import annotations

import argparse
import shutil
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, UsageError

if TYPE_CHECKING:
    from tokenlab.core.fleet import FleetResult, FleetRow

# (header, width); the profile column is as wide as the longest name, the cause takes the rest
FIXED_COLUMNS = (("SCENARIO", 11), ("AUTHORITY", 9), ("TOKEN", 22), ("API", 3), ("TIME", 6))
MIN_CAUSE = 24


def add_fleet_options(p: Any) -> None:
    p.add_argument(
        "--all",
        action="store_true",
        help="run the doctor on every profile at once (or those --profiles selects): one row each",
    )
    p.add_argument("--profiles", metavar="GLOB", help="with --all: only the profiles matching GLOB")
    p.add_argument(
        "--parallel", metavar="N", type=int, help="with --all: profiles in flight (default 10)"
    )
    p.add_argument(
        "--per-host",
        metavar="K",
        type=int,
        help="with --all: requests at once per host (default 6)",
    )


def check_fleet_args(args: argparse.Namespace) -> None:
    """--all and --profile exclude each other; the fleet's options need --all."""
    if args.all and args.profile:
        raise UsageError("--all and --profile exclude each other", "give one of them")
    if not args.all and not args.profile:
        raise UsageError("doctor needs --profile NAME or --all", "give one of them")
    fleet_only = [f"--{n.replace('_', '-')}" for n in ("profiles", "parallel", "per_host")]
    given = [flag for flag in fleet_only if getattr(args, flag[2:].replace("-", "_")) is not None]
    if given and not args.all:
        raise UsageError(f"{given[0]} works only with --all", "add --all")
    if args.all:
        _refuse_one_profile_options(args)
    for flag in ("parallel", "per_host"):
        value = getattr(args, flag)
        if value is not None and not 1 <= value <= 1000:
            raise UsageError(f"--{flag.replace('_', '-')} must be 1..1000, not {value}", "")


# options of a run on one profile; the fleet runs each profile's own unattended flow
ONE_PROFILE_ONLY = (
    ("report", "--report", "use --json for the whole fleet"),
    ("flow", "--flow", "the fleet runs each profile's own unattended flow"),
    ("paste", "--paste", "the fleet never waits for a sign-in"),
    ("device", "--device", "the fleet never waits for a sign-in"),
    (
        "secret_stdin",
        "--secret-stdin",
        "one secret cannot serve many profiles: keep them in the keyring",
    ),
    ("allow_global_authority", "--allow-global-authority", "run that profile's own doctor"),
)


def _refuse_one_profile_options(args: argparse.Namespace) -> None:
    for dest, flag, hint in ONE_PROFILE_ONLY:
        if getattr(args, dest, None):
            raise UsageError(f"{flag} is for one profile, not --all", hint)
    if getattr(args, "header", "authorization") != "authorization":
        raise UsageError("--header is for one profile, not --all", "run that profile's own doctor")


def run_all(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    from tokenlab.core.fleet import DEFAULT_PARALLEL, DEFAULT_PER_HOST, run_fleet, select_names

    pattern = args.profiles or "*"
    names = select_names(ctx.profiles.names(), pattern)
    if not names:
        raise UsageError(
            f"no profile matches {pattern!r}",
            f"profiles are kept in {ctx.profiles.dir}; a glob is like 'demo-*'",
        )
    profiles = [ctx.profiles.load(name) for name in names]
    result = asyncio.run(
        run_fleet(
            profiles,
            secrets=ctx.secrets,
            bus=ctx.bus,
            parallel=args.parallel or DEFAULT_PARALLEL,
            per_host=args.per_host or DEFAULT_PER_HOST,
        )
    )
    if args.json:
        ctx.json(fleet_json(result, pattern), schema="doctor.all")
    else:
        # a terminal gets lines that fit; a pipe or a CI log gets the causes whole
        width = shutil.get_terminal_size().columns if ctx.stdout.isatty() else 0
        for line in table_lines(result.rows, width):
            ctx.out(line)
        ctx.out()
        ctx.out(summary_line(result))
    return EXIT_FAILURE if result.failed else EXIT_OK


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table_lines(rows: tuple[FleetRow, ...], terminal_width: int = 0) -> list[str]:
    """A header and one line per row; every column has one width, whatever the names; the
    cause is cut to fit `terminal_width` (0: never cut)."""
    name_width = max([len("PROFILE"), *(len(r.profile) for r in rows)])
    name_width = min(name_width, 40)
    used = name_width + sum(w + 2 for _, w in FIXED_COLUMNS) + 2
    longest = max([len("FIRST CAUSE"), *(len(r.cause) for r in rows)])
    cause_width = max(MIN_CAUSE, terminal_width - used - 1) if terminal_width else longest
    widths = (name_width, *(w for _, w in FIXED_COLUMNS), cause_width)
    header = ("PROFILE", *(h for h, _ in FIXED_COLUMNS), "FIRST CAUSE")

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(_cell(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(header)]
    for r in rows:
        cells = (r.profile, r.scenario, r.authority_kind, r.token, r.api, f"{r.elapsed_s:.2f}s")
        lines.append(line((*cells, r.cause)))
    return lines


def summary_line(result: FleetResult) -> str:
    counts = result.counts()
    parts = [f"{counts['ok']} ok", f"{counts['fail']} failed"]
    if counts["needs_sign_in"]:
        parts.append(f"{counts['needs_sign_in']} need a sign-in (run their own doctor)")
    return (
        f"{len(result.rows)} profiles: {', '.join(parts)}; {result.elapsed_s:.2f} s "
        f"({result.parallel} at once, {result.per_host} requests per host)"
    )


def fleet_json(result: FleetResult, pattern: str) -> dict[str, Any]:
    from tokenlab import __version__
    from tokenlab.core.fleet.rows import iso_utc

    return {
        "tokenlab": __version__,
        "pattern": pattern,
        "started_at": round(result.started_at, 3),
        "started_at_iso": iso_utc(result.started_at),
        "elapsed_s": round(result.elapsed_s, 3),
        "parallel": result.parallel,
        "per_host": result.per_host,
        "ok": not result.failed,
        "counts": result.counts(),
        "rows": [row.to_json() for row in result.rows],
    }

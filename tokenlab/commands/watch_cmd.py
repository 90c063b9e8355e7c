"""`tokenlab watch --profile NAME`: keep a token fresh, probe the API on an interval, and say
what the timeline shows (an intermittent 401, a token refused before its expiry, ...).

A line per probe, findings as they come; Ctrl-C ends it with a summary. `--json` streams one
JSON object per event (JSON lines), each with a `type` (docs/json/watch.schema.json).
Exit 0 when nothing of failure weight was found, 1 otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.commands.token_cmd import add_flow_options
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, TokenlabError

if TYPE_CHECKING:  # the watch's machinery (httpx, flows) loads only when the command runs
    from tokenlab.commands.watch_output import WatchPrinter
    from tokenlab.core.profiles import Profile
    from tokenlab.core.watch import Watcher

EXIT_INTERRUPTED = 130
MIN_INTERVAL_S = 1.0  # an API is not a benchmark target
MAX_INTERVAL_S = 86400.0
MAX_COUNT = 1_000_000
MAX_WARN_S = 365 * 86400.0
_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|min|h|d)?", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def duration(text: str, minimum: float = 0.0, maximum: float = MAX_WARN_S) -> float:
    """`30s`, `2m`, `1h`, `1d` or plain seconds; argparse names the flag in the error."""
    m = _DURATION.fullmatch(text.strip())
    if m is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration; use e.g. 30s, 5m, 1h")
    seconds = float(m["n"]) * _UNIT_S[(m["unit"] or "s").lower()]
    if not minimum <= seconds <= maximum:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range; use {minimum:g} s to {maximum:g} s"
        )
    return seconds


def _interval(text: str) -> float:
    return duration(text, MIN_INTERVAL_S, MAX_INTERVAL_S)


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= n <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{n} is out of range; use 1..{MAX_COUNT}")
    return n


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        help="keep a token fresh, probe the API on an interval, flag what goes wrong",
        description="Keep a token fresh (refresh, or issue again, before it expires), send the "
        "profile's probe request every interval and keep a timeline: status, latency, which "
        "token, time left. Flags an intermittent 401 with the same token, a token refused "
        "before its expiry, a refresh with fewer scopes, a refresh token about to expire. "
        "Ctrl-C stops it with a summary. Exit 0 when nothing of failure weight was found.",
    )
    p.add_argument("--profile", "-p", required=True)
    p.add_argument(
        "--interval",
        type=_interval,
        default=30.0,
        metavar="DURATION",
        help="time between probes: 30s (default), 5m, 1h",
    )
    p.add_argument(
        "--count", type=_count, metavar="N", help="stop after N probes (default: Ctrl-C)"
    )
    p.add_argument(
        "--margin",
        type=duration,
        default=60.0,
        metavar="DURATION",
        help="renew the token when less than this is left (default 60s)",
    )
    p.add_argument(
        "--refresh-warn",
        type=duration,
        default=86400.0,
        metavar="DURATION",
        help="warn when the refresh token expires within this (default 1d)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per event (JSON lines)")
    p.add_argument("-v", "--verbose", action="store_true", help="the flows' trace on stderr")
    flow = p.add_argument_group("getting a token")
    add_flow_options(flow)
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    from tokenlab.commands.watch_output import WatchPrinter

    profile = ctx.profiles.load(args.profile)
    printer = WatchPrinter(ctx, as_json=args.json)
    started: list[Watcher] = []
    try:
        asyncio.run(_watch(args, ctx, profile, printer, started))
    except KeyboardInterrupt:
        if not started or not started[0].timeline.probes:  # stopped before the first probe
            ctx.stderr.write("tokenlab: interrupted\n")
            return EXIT_INTERRUPTED
    except TokenlabError as exc:
        printer.error(exc)
        raise
    if not started:
        return EXIT_INTERRUPTED
    summary = started[0].summary()
    printer.summary(summary)  # once: printed already if the loop's own summary came through
    return EXIT_FAILURE if summary.failed else EXIT_OK


async def _watch(
    args: argparse.Namespace,
    ctx: CommandContext,
    profile: Profile,
    printer: WatchPrinter,
    started: list[Watcher],
) -> None:
    from tokenlab.commands.token_cmd import flow_options, read_stdin_secret
    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.events import new_run_id
    from tokenlab.core.http import HttpOptions, build_client
    from tokenlab.core.probing import probe_url
    from tokenlab.core.watch import WATCH_EVENTS, Watcher, WatchSettings
    from tokenlab.core.watch.sources import ProfileTokenSource, profile_prober

    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    secrets = ctx.secrets
    trace = TracePrinter(ctx.stderr, verbose=args.verbose, quiet=not args.verbose)
    ctx.bus.subscribe(trace.handle)  # the flows' trace (sign-in prompts always show)
    ctx.bus.subscribe(printer.handle, *WATCH_EVENTS)
    settings = WatchSettings(
        interval_s=args.interval,
        count=args.count,
        margin_s=args.margin,
        refresh_warn_s=args.refresh_warn,
    )
    run_id = new_run_id()
    async with build_client(
        HttpOptions.from_profile(profile), bus=ctx.bus, run_id=run_id, redactor=secrets.redactor
    ) as client:
        watcher = Watcher(
            profile=profile.name,
            api_url=secrets.redactor.url(probe_url(profile)),
            source=ProfileTokenSource(
                profile, secrets, ctx.bus, flow=args.flow, options=flow_options(args, ctx)
            ),
            send=profile_prober(client, profile, secrets),
            bus=ctx.bus,
            settings=settings,
            run_id=run_id,
        )
        started.append(watcher)
        await watcher.run()

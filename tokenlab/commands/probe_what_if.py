"""`tokenlab probe --what-if`: how the replays are printed, and how a replay gets a new token."""

from __future__ import annotations

import argparse

from tokenlab.commands.context import CommandContext
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.probing.what_if import Issuer, WhatIfResult
from tokenlab.core.profiles import Profile
from tokenlab.core.token_set import FlowResult, TokenSet


async def traced_flow(
    args: argparse.Namespace, ctx: CommandContext, profile: Profile
) -> FlowResult:
    """The profile's flow with the command's flow options, its trace on stderr with -v (the
    probe prints its own exchanges)."""
    from tokenlab.commands.token_cmd import flow_options
    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.flows.runner import run_flow

    printer = TracePrinter(ctx.stderr, verbose=args.verbose, quiet=not args.verbose)
    sub = ctx.bus.subscribe(printer.handle)
    try:
        result = await run_flow(
            profile,
            secrets=ctx.secrets,
            bus=ctx.bus,
            flow=args.flow,
            options=flow_options(args, ctx),
        )
    finally:
        ctx.bus.unsubscribe(sub)
    return result


def reissuer(args: argparse.Namespace, ctx: CommandContext) -> Issuer:
    """Run the (changed) profile's flow with the command's flow options; trace with -v."""

    async def issue(profile: Profile) -> TokenSet:
        return (await traced_flow(args, ctx, profile)).api_token

    return issue


def print_what_if(ctx: CommandContext, result: WhatIfResult) -> None:
    original = result.original
    if original.ok:
        ctx.out("what-if: " + result.summary)
        return
    causes = original.verdict.causes
    if causes:
        ctx.out("most likely causes:")
        for i, c in enumerate(causes, 1):
            ctx.out(f"  {i}. [{c.key}] {c.title}: {hint_with_remedy(c.fix, c.remedy)}")
    ctx.out(f"what-if (one change per replay, the first answer was {original.status}):")
    width = max(len(r.variation) for r in result.replays)
    control = result.control
    if control is not None:
        flipped = "FLIPS" if control.ok else "same"
        answer = f"{original.status} → {control.status}"
        ctx.out(
            f"  {'unchanged'.ljust(width)}  {answer}  {flipped}  the same call again (the control)"
        )
    for r in result.replays:
        name = r.variation.ljust(width)
        if r.result is None:
            state = "not applicable" if not r.applies else "not replayed"
            ctx.out(f"  {name}  {state}: {r.why_not}")
            continue
        mark = "FLIPS" if r.flipped else "same"
        answer = f"{original.status} → {r.result.status}"
        ctx.out(f"  {name}  {answer}  {mark}  {r.words} [{r.result.verdict.kind}]")
    ctx.out("what-if: " + result.summary)

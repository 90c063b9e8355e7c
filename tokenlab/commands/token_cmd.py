"""`tokenlab token --profile NAME`: run the profile's flow; the token on stdout, the trace on stderr."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tokenlab.commands.arguments import wait_arg
from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_USAGE, UsageError
from tokenlab.core.flows.registry import FLOW_TARGETS
from tokenlab.core.secrets import SecretKind

if TYPE_CHECKING:
    from tokenlab.core.flow_options import Finish, FlowOptions

FLOW_NAMES = tuple(FLOW_TARGETS)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "token",
        help="run a profile's flow and print the access token",
        description="Run the flow of a profile's scenario (or --flow) and print the access token to stdout. "
        "The step-by-step trace goes to stderr.",
    )
    p.add_argument("--profile", "-p", required=True)
    add_flow_options(p)
    p.add_argument("--json", action="store_true", help="every token and its metadata as JSON")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no trace, only user actions and errors"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="include headers in the trace")
    p.add_argument(
        "--reveal",
        action="store_true",
        help="automation profiles: print the stored reference token itself (it is a secret)",
    )
    p.set_defaults(run=_run)


def add_flow_options(p: Any) -> None:
    """How to get a token: shared by `token`, `probe` and `doctor` (a parser or a group)."""
    p.add_argument("--flow", choices=FLOW_NAMES, help="default: the scenario's flow")
    finish = p.add_mutually_exclusive_group()
    finish.add_argument(
        "--paste", action="store_true", help="finish sign-in by pasting the redirect URL"
    )
    finish.add_argument("--device", action="store_true", help="sign in with the device code flow")
    finish.add_argument(
        "--no-browser", action="store_true", help="never try to open a browser; print the URL"
    )
    p.add_argument(
        "--browser-command",
        metavar="CMD",
        default="",
        help="open the sign-in URL with CMD (the URL replaces %%s, else is added last), even "
        "where no browser would be tried (over SSH, in a container, without a display)",
    )
    p.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the client secret (reference token for automation) from stdin",
    )
    p.add_argument(
        "--allow-global-authority",
        action="store_true",
        help="ask a global authority anyway (to see the API refuse it)",
    )
    p.add_argument(
        "--wait",
        type=wait_arg,
        default=300.0,
        help="seconds to wait for sign-in or approval (default 300)",
    )


def flow_options(args: argparse.Namespace, ctx: CommandContext) -> FlowOptions:
    import asyncio
    import contextlib
    import threading

    from tokenlab.core.flow_options import FlowOptions

    async def paste(prompt: str) -> str:
        ctx.stderr.write(prompt)
        ctx.stderr.flush()
        # A daemon thread, not to_thread: when the flow gives up waiting, asyncio.run must not
        # wait for a read that only Enter would end.
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str] = loop.create_future()

        def deliver(line: str) -> None:
            if not answer.done():
                answer.set_result(line)

        def read() -> None:
            line = ctx.stdin.readline()
            with contextlib.suppress(RuntimeError):  # the run is over: nobody waits any more
                loop.call_soon_threadsafe(deliver, line)

        threading.Thread(target=read, name="tokenlab-paste", daemon=True).start()
        return (await answer).strip()

    finish: Finish | None = "paste" if args.paste else "device" if args.device else None
    if args.no_browser and args.browser_command:
        raise UsageError(
            "--no-browser and --browser-command contradict each other",
            "give one of them: --no-browser only prints the URL",
        )
    return FlowOptions(
        finish=finish,
        open_browser=not args.no_browser,
        browser_command=args.browser_command,
        paste=paste,
        wait_timeout=args.wait,
        allow_global_authority=args.allow_global_authority,
    )


def read_stdin_secret(
    args: argparse.Namespace, ctx: CommandContext, profile_name: str, scenario: str
) -> None:
    if not args.secret_stdin:
        return
    from tokenlab.commands.secret_cmd import read_secret_value

    kind = SecretKind.REFERENCE_TOKEN if scenario == "automation" else SecretKind.CLIENT_SECRET
    ctx.secrets.remember(profile_name, kind, read_secret_value(ctx, from_stdin=True, prompt=""))


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    from tokenlab.commands.trace import TracePrinter
    from tokenlab.core.flows.runner import run_flow
    from tokenlab.core.refusal import TokenEndpointError

    profile = ctx.profiles.load(args.profile)
    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    TracePrinter(ctx.stderr, verbose=args.verbose, quiet=args.quiet).attach(ctx.bus)
    try:
        result = asyncio.run(
            run_flow(
                profile,
                secrets=ctx.secrets,
                bus=ctx.bus,
                flow=args.flow,
                options=flow_options(args, ctx),
            )
        )
    except TokenEndpointError as exc:
        if args.json:
            from tokenlab.core.explain import explanation_json
            from tokenlab.core.flows.refresh import RefreshTokenRefusedError

            error: dict[str, Any] = {"remedy": exc.remedy.to_json() if exc.remedy else None}
            if isinstance(exc, RefreshTokenRefusedError):  # what the flow knows of the refusal
                error["refresh"] = exc.attempt.to_json()
            ctx.json({"ok": False, "error": {**error, **explanation_json(exc)}}, schema="token")
        raise
    if args.json:
        ctx.json({"ok": True, **result.to_json(reveal=True)}, schema="token")
    elif result.api_token.token_type == "reference":
        return _print_reference_token(args, ctx, result.api_token.access_token)
    else:
        ctx.out(result.api_token.access_token)
    return 0


def _print_reference_token(args: argparse.Namespace, ctx: CommandContext, token: str) -> int:
    """stdout carries a usable token or nothing: `TOKEN=$(tokenlab token ...)` never gets a
    masked string. A reference token is a stored secret, so it is printed only when asked.

    Without --reveal the exit is 2 (usage), not 0: a script that asked for a token and got an
    empty stdout must not go on as if it had one; and not 1 either, since nothing failed on
    the server: the token checked out, only the flag is missing."""
    if args.reveal:
        ctx.stdout.write(token + "\n")  # exactly the token: it is ours, stored by the user
        return 0
    ctx.error(
        "the reference token checked out, but it is a secret: not printed",
        f"pass --reveal to print it (exactly the token, nothing else), or call the API with it "
        f"by `tokenlab probe --profile {args.profile}`",
    )
    return EXIT_USAGE

"""`tokenlab probe --profile NAME`: call the API with a token and say whether it was accepted.

Without `--token`, a fresh token comes from the profile's flow (its trace goes to stderr with
`-v`; sign-in prompts always do). The result goes to stdout; the token is only ever shown masked.
Exit 0 only for a 2xx without a sign-in page (with `--repeat`: every answer), 1 otherwise.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.commands.token_cmd import add_flow_options
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, TokenlabError, UsageError

if TYPE_CHECKING:  # the probe's machinery (httpx, flows) loads only when the command runs
    from tokenlab.core.probing import ProbeResult, RepeatResult
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import TokenSet

# Mirrors of tokenlab.core.probing's bounds, kept here so `--help` needs no heavy import.
MAX_REPEAT = 1000
MAX_REPEAT_SECONDS = 600.0
REFERENCE_PREFIX = "enrt_"
BODY_LINES = 20
LINE_CHARS = 160  # an HTML page is often one long line; --json has the whole excerpt


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "probe",
        help="call the API with a token and explain the answer",
        description="Send the profile's probe request (default: GET {api}/Crm_Sales_Customers?$top=1) "
        "with a token and explain the answer: status, challenge, body and a verdict. "
        "Without --token, a fresh token comes from the profile's flow. "
        "Exit 0 only for a 2xx answer without a redirect to a sign-in page.",
    )
    p.add_argument("--profile", "-p", required=True)
    p.add_argument(
        "--token",
        metavar="TOKEN",
        help="the token to send; '-' reads it from stdin (better: a token on the command "
        "line stays in the shell history)",
    )
    p.add_argument(
        "--header",
        choices=("authorization", "x-api-key"),
        default="authorization",
        help="how to send the token: Authorization: Bearer (default) or X-Api-Key (reference tokens)",
    )
    p.add_argument("--method", "-X", help="HTTP method (default: the profile's probe method)")
    p.add_argument(
        "--path",
        help="relative to the API URL (e.g. 'Crm_Sales_Customers?$top=5'), '/rooted' on its "
        "host, or a full URL (default: the profile's probe path)",
    )
    p.add_argument("--data", help="request body (default: the profile's probe body)")
    p.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help=f"send N requests one after the other (1..{MAX_REPEAT}); prints counts and latency",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help=f"with --repeat: stop after this many seconds (default 60, at most {MAX_REPEAT_SECONDS:g})",
    )
    p.add_argument(
        "--what-if",
        action="store_true",
        help="when the API refuses, replay the call changing one thing at a time (a fresh "
        "token, the other header, other scopes, the guide's first API call) and say which flips it",
    )
    p.add_argument("--json", action="store_true", help="the result as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="headers, and the flow's trace")
    # How to get the token when none is given: the same choices as `tokenlab token`.
    flow = p.add_argument_group("getting a token (without --token)")
    add_flow_options(flow)
    p.set_defaults(run=_run)


def _check_args(args: argparse.Namespace) -> None:
    if args.what_if and args.repeat is not None:
        raise UsageError("--what-if and --repeat exclude each other", "use one of them")
    if args.repeat is not None and not 1 <= args.repeat <= MAX_REPEAT:
        raise UsageError(f"--repeat {args.repeat} is out of range", f"use 1..{MAX_REPEAT}")
    if not 0 < args.max_seconds <= MAX_REPEAT_SECONDS:
        raise UsageError(
            f"--max-seconds {args.max_seconds:g} is out of range",
            f"use more than 0 and at most {MAX_REPEAT_SECONDS:g}",
        )
    if args.token is not None and (args.flow or args.secret_stdin or args.allow_global_authority):
        raise UsageError(
            "--token and the flow options (--flow, --secret-stdin, --allow-global-authority) "
            "exclude each other",
            "give a token, or let the profile's flow get one",
        )
    if args.token == "-" and args.secret_stdin:
        raise UsageError("stdin cannot carry both the token and the secret", "use one of them")


def _read_token(args: argparse.Namespace, ctx: CommandContext) -> str | None:
    if args.token is None:
        return None
    from tokenlab.core.inspection.decode import MAX_TOKEN_CHARS, without_prefix

    value: str = ctx.stdin.read(MAX_TOKEN_CHARS + 1) if args.token == "-" else args.token
    if len(value) > MAX_TOKEN_CHARS:
        raise UsageError(
            f"the token on stdin is more than {MAX_TOKEN_CHARS} characters (4 MiB): too long",
            "give the token only, not a file or a whole HTTP exchange",
        )
    # pasted with its scheme or header name (`Authorization: Bearer ...`): forgive it
    value = without_prefix(value)
    if not value:
        raise UsageError(
            "the token is empty", "give --token TOKEN, or pipe it with --token - (stdin)"
        )
    if any(c.isspace() for c in value):
        raise UsageError(
            "the token contains spaces or line breaks",
            "give one token (an access token or an enrt_... reference token)",
        )
    ctx.secrets.redactor.add_known(value)
    return value


async def _get_token(
    args: argparse.Namespace, ctx: CommandContext, profile: Profile
) -> tuple[TokenSet | str, str]:
    """The token to send and a line saying where it came from (masked)."""
    from tokenlab.core.redact import mask

    given = _read_token(args, ctx)
    if given is not None:
        kind = "reference token " if given.startswith(REFERENCE_PREFIX) else ""
        return given, f"{kind}{mask(given)} (given)"
    from tokenlab.commands.probe_what_if import traced_flow
    from tokenlab.commands.token_cmd import read_stdin_secret

    read_stdin_secret(args, ctx, profile.name, profile.scenario)
    result = await traced_flow(args, ctx, profile)
    token = result.api_token
    scopes = " ".join(token.scope) or "-"
    return (
        token,
        f"{token.token_type} {mask(token.access_token)} from flow {result.flow} (scope {scopes})",
    )


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    _check_args(args)
    profile = ctx.profiles.load(args.profile)
    return asyncio.run(_probe(args, ctx, profile))


async def _probe(args: argparse.Namespace, ctx: CommandContext, profile: Profile) -> int:
    from tokenlab.core.events import new_run_id
    from tokenlab.core.http import HttpOptions, build_client
    from tokenlab.core.probing import probe, repeat_probe

    try:
        token, source = await _get_token(args, ctx, profile)
    except TokenlabError as exc:
        if args.json:  # a JSON reader still gets JSON; stderr gets the usual one line + hint
            from tokenlab.core.explain import TokenEndpointError, explanation_json

            error = (
                explanation_json(exc)
                if isinstance(exc, TokenEndpointError)
                else {
                    "message": exc.message,
                    "hint": exc.hint,
                    "remedy": exc.remedy.to_json() if exc.remedy else None,
                }
            )
            ctx.json({"ok": False, "stage": "token", "error": error}, schema="probe")
        raise
    overrides: dict[str, Any] = {
        "header": args.header,
        "method": args.method,
        "path": args.path,
        "body": args.data,
        "redactor": ctx.secrets.redactor,
    }
    async with build_client(
        HttpOptions.from_profile(profile),
        bus=ctx.bus,
        run_id=new_run_id(),
        redactor=ctx.secrets.redactor,
    ) as client:
        if args.what_if:
            return await _what_if(args, ctx, profile, client, token, source, overrides)
        if args.repeat is not None:
            repeated = await repeat_probe(
                client, profile, token, n=args.repeat, max_seconds=args.max_seconds, **overrides
            )
            if args.json:
                ctx.json({"token": source, **repeated.to_json()}, schema="probe.repeat")
            else:
                print_repeat(ctx, repeated, source)
            return EXIT_OK if repeated.ok else EXIT_FAILURE
        result = await probe(client, profile, token, **overrides)
    if args.json:
        ctx.json({"token": source, **result.to_json()}, schema="probe")
    else:
        print_result(ctx, result, source, verbose=args.verbose)
    return EXIT_OK if result.ok else EXIT_FAILURE


def print_result(
    ctx: CommandContext, r: ProbeResult, source: str, *, verbose: bool = False
) -> None:
    ctx.out(f"token: {source}" if source else "token: none")
    ctx.out(f"→ {r.method} {r.url}")
    if verbose:
        for k, v in r.request_headers:
            ctx.out(f"  {k}: {v}")
    elif r.token_header:
        ctx.out(f"  sent as {r.token_header}")
    for hop in r.redirects:
        mark = "  (a sign-in page)" if hop.sign_in else ""
        dropped = "  (token not sent: another origin)" if hop.credentials_dropped else ""
        ctx.out(f"← {hop.status} redirect to {hop.location}{mark}{dropped}")
    ctx.out(f"← {r.status} {r.reason} in {r.elapsed_ms:.0f} ms")
    if verbose:
        for k, v in r.headers:
            ctx.out(f"  {k}: {v}")
    for value in r.www_authenticate:
        ctx.out(f"  WWW-Authenticate: {value}")
    for c in r.challenges:
        if c.token68 is not None:
            ctx.out(f"  challenge {c.scheme} (token68)")
            continue
        ctx.out(f"  challenge {c.scheme}" + ("" if c.params else " (no parameters)"))
        for name, value in c.params.items():
            ctx.out(f"    {name}: {value}")
    if r.challenge_problem:
        ctx.out(f"  ({r.challenge_problem})")
    body = r.body
    if body.kind == "empty":
        ctx.out("  body: empty")
    else:
        what = body.content_type or body.kind
        title = f", title {body.title!r}" if body.title else ""
        password = ", with a password field" if body.has_password_field else ""
        ctx.out(f"  body ({what}, {body.size} bytes{title}{password}):")
        lines = body.text.splitlines()
        for line in lines[:BODY_LINES]:
            ctx.out(f"    {line[:LINE_CHARS]}" + ("…" if len(line) > LINE_CHARS else ""))
        if len(lines) > BODY_LINES:
            ctx.out(f"    … {len(lines) - BODY_LINES} more lines (--json shows more)")
    from tokenlab.commands.remedies import hint_with_remedy

    verdict = r.verdict
    ctx.out(f"{'OK' if verdict.ok else 'FAIL'} [{verdict.kind}] {verdict.summary}")
    hint = hint_with_remedy(verdict.hint, verdict.remedy)
    if hint:
        ctx.out(f"hint: {hint}")
    for other in verdict.causes[1:] if verbose else ():
        ctx.out(f"  or [{other.key}] {other.title}: {hint_with_remedy(other.fix, other.remedy)}")


def print_repeat(ctx: CommandContext, r: RepeatResult, source: str) -> None:
    ctx.out(f"token: {source}")
    if r.first is not None:
        ctx.out(f"→ {r.first.method} {r.first.url}")
    ctx.out(
        f"sent {r.sent} of {r.requested} in {r.total_seconds:.2f} s"
        + (f" ({r.stopped})" if r.stopped else "")
    )
    ctx.out("statuses: " + ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items())))
    ctx.out("verdicts: " + ", ".join(f"{k}×{v}" for k, v in sorted(r.verdicts.items())))

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} ms"

    ctx.out(f"latency: p50 {ms(r.p50_ms)}, p95 {ms(r.p95_ms)}, max {ms(r.max_ms)}")
    for error in r.errors:
        ctx.out(f"  error: {error}")
    if r.first is not None and not r.ok:
        v = r.first.verdict
        ctx.out(f"first answer: {'OK' if v.ok else 'FAIL'} [{v.kind}] {v.summary}")
    ctx.out("OK every answer was accepted" if r.ok else "FAIL not every answer was accepted")


async def _what_if(
    args: argparse.Namespace,
    ctx: CommandContext,
    profile: Profile,
    client: Any,
    token: TokenSet | str,
    source: str,
    overrides: dict[str, Any],
) -> int:
    from tokenlab.commands.probe_what_if import print_what_if, reissuer
    from tokenlab.core.probing.what_if import Call, what_if

    call = Call(token, args.header, args.method, args.path, args.data)
    result = await what_if(
        client, profile, call, issue=reissuer(args, ctx), redactor=overrides["redactor"]
    )
    if args.json:
        ctx.json({"token": source, **result.to_json()}, schema="probe.what-if")
    else:
        print_result(ctx, result.original, source, verbose=args.verbose)
        print_what_if(ctx, result)
    return EXIT_OK if result.original.ok else EXIT_FAILURE

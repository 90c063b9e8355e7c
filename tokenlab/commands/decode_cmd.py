"""`tokenlab decode [TOKEN | -]`: what a token says and whether the API would accept it.

Without `--verify` nothing touches the network: the token is read and checked offline
(format, algorithm, issuer, times, audience, type, scopes, client). `--verify` adds the
signature with the authority's keys, or introspection for opaque tokens.
Exit 0: every check passes (warnings allowed); 1: a check fails; 2: not a token / bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tokenlab.commands.arguments import timeout_arg
from tokenlab.commands.context import CommandContext
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, UsageError
from tokenlab.core.inspection.claims import printable, value_text
from tokenlab.core.inspection.compare import compare_tokens
from tokenlab.core.inspection.decode import MAX_TOKEN_CHARS, DecodedToken, decode_token
from tokenlab.core.inspection.token_report import DEFAULT_LEEWAY_S, TokenReport, check_token
from tokenlab.core.redact import Redactor

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile
from tokenlab.core.scopes import PROTOCOL_SCOPES  # never in an API's requirements

KINDS = ("access", "id", "refresh", "any")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "decode",
        help="decode a token and check it (offline; --verify for the signature)",
        description="Decode a JWT (or recognise an opaque or reference token) and check it as the API "
        "would. Offline unless --verify. Prefer `-` (stdin) so the token stays out of shell history.",
    )
    p.add_argument("token", nargs="?", default="-", help="the token, or - (default) for stdin")
    p.add_argument(
        "--verify",
        action="store_true",
        help="check the signature with the authority's JWKS (introspection for opaque tokens)",
    )
    p.add_argument("--profile", "-p", help="take authority, audience, scopes and client from it")
    p.add_argument("--authority", help="the expected issuer, e.g. https://acme.my.erp.net/id")
    p.add_argument("--audience", help="the audience the token must be for, e.g. DomainAPI")
    p.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="S",
        help="a required scope (repeat, or give several in quotes)",
    )
    p.add_argument("--client-id", help="the client the token must be issued to")
    p.add_argument(
        "--kind", choices=KINDS, default="access", help="what the token should be (default access)"
    )
    p.add_argument(
        "--leeway",
        type=float,
        default=float(DEFAULT_LEEWAY_S),
        metavar="S",
        help=f"seconds of clock tolerance for exp/nbf/iat (default {DEFAULT_LEEWAY_S})",
    )
    p.add_argument("--compare", metavar="TOKEN", help="also list what differs from this token")
    p.add_argument(
        "--insecure", action="store_true", help="allow plain http to a non-loopback host"
    )
    p.add_argument(
        "--timeout", type=timeout_arg, default=10.0, help="seconds per request with --verify"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="trace every exchange (--verify)")
    p.set_defaults(run=_run)


def read_token_text(arg: str | None, ctx: CommandContext) -> str:
    """The token from the argument, or from stdin for `-`/nothing; unreadable input is exit 2."""
    if arg not in (None, "-"):
        return str(arg)
    try:
        if ctx.stdin.isatty():
            ctx.stderr.write("paste the token, then Enter and Ctrl-D:\n")
        text = ctx.stdin.read(MAX_TOKEN_CHARS + 1)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"cannot read the token from stdin: {type(exc).__name__}",
            "pipe the token as text, e.g. `tokenlab token -p NAME | tokenlab decode -`",
        ) from None
    if not text.strip():
        raise UsageError(
            "no token on stdin", "pass the token as an argument, or pipe it to `tokenlab decode -`"
        )
    return text


class Expectations:
    """What the token must be, from the flags first and the profile second."""

    def __init__(self, args: argparse.Namespace, profile: Profile | None) -> None:
        from tokenlab.core.urls import check_url

        self.profile = profile
        authority = args.authority or (profile.authority if profile else "")
        if authority:
            insecure = args.insecure or bool(profile and profile.allow_insecure)
            check_url(authority, what="authority URL", allow_insecure=insecure)
        self.authority: str | None = authority or None
        self.audience: str | None = args.audience or (profile.audience if profile else "") or None
        flags = tuple(s for value in args.scope for s in value.split())
        if flags:
            self.scopes = flags
        elif profile and args.kind == "access":
            self.scopes = tuple(s for s in profile.scopes if s not in PROTOCOL_SCOPES)
        else:
            self.scopes = ()
        self.client_id: str | None = (
            args.client_id or (profile.client_id if profile else "") or None
        )


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        decoded = decode_token(read_token_text(args.token, ctx))
        other = decode_token(args.compare) if args.compare else None
    except UsageError as exc:
        if args.json:  # scripts read stdout: say why there is no report (never the input itself)
            ctx.json(
                {"ok": False, "error": {"message": exc.message, "hint": exc.hint}},
                schema="decode",
            )
        raise
    profile = ctx.profiles.load(args.profile) if args.profile else None
    want = Expectations(args, profile)
    if args.verify:
        if decoded.kind == "jwt" and not want.authority:
            iss = decoded.claims.get("iss")
            said = f"; this token says iss={printable(iss)!r}" if isinstance(iss, str) else ""
            raise UsageError(
                "--verify needs the authority to trust: --authority URL or --profile NAME",
                "tokenlab never takes keys from the token's own iss" + said,
            )
        if args.verbose:
            from tokenlab.commands.trace import TracePrinter

            TracePrinter(ctx.stderr, verbose=True).attach(ctx.bus)
        import asyncio  # only to verify: offline decoding starts no event loop

        report, clock = asyncio.run(_verify(args, ctx, decoded, want))
    else:
        clock = None
        report = check_token(
            decoded,
            expected_issuer=want.authority,
            audience=want.audience,
            required_scopes=want.scopes,
            client_id=want.client_id,
            token_kind=args.kind,
            leeway=args.leeway,
        )
    redactor = Redactor(tuple(t.token for t in (decoded, other) if t is not None))
    if args.json:
        data = report.to_json()
        if clock is not None:
            data["clock"] = clock
        if other is not None:
            data["compare"] = {
                "other": other.masked,
                "differences": [
                    redactor.json_value(d.to_json()) for d in compare_tokens(decoded, other)
                ],
            }
        ctx.json(data, schema="decode")
    else:
        for line in render(report):
            ctx.out(redactor.text(printable(line)))
            if clock is not None and line.startswith("against  "):
                ctx.out(f"clock    {clock['words']}")
        if other is not None:
            for line in render_compare(decoded, other):
                ctx.out(redactor.text(printable(line)))
    return EXIT_OK if report.ok else EXIT_FAILURE


def clock_used(skew: float | None) -> dict[str, Any]:
    """Which clock judged exp/nbf/iat, and the skew to the authority's (server minus this
    machine, from the `Date` of its discovery answer): said also when every check passes."""
    from tokenlab.core.inspection.token_report import SKEW_NOISE_S

    if skew is None:
        return {
            "judged_by": "this-machine",
            "skew_s": None,
            "words": "this machine's clock (the authority's answer had no usable Date header, "
            "so the skew is unknown)",
        }
    rounded = round(skew, 1)
    if abs(skew) < SKEW_NOISE_S:
        return {
            "judged_by": "this-machine",
            "skew_s": rounded,
            "words": f"this machine's clock, in sync with the authority's ({rounded:+.1f} s, "
            f"under the {SKEW_NOISE_S:g} s a Date header can tell)",
        }
    side = "ahead of" if skew > 0 else "behind"
    return {
        "judged_by": "authority",
        "skew_s": rounded,
        "words": f"the authority's clock: it is {abs(skew):.0f} s {side} this machine's "
        "(from its Date header); times were judged by it",
    }


async def _verify(
    args: argparse.Namespace, ctx: CommandContext, decoded: DecodedToken, want: Expectations
) -> tuple[TokenReport, dict[str, Any] | None]:
    from tokenlab.core.authority import AuthorityCache
    from tokenlab.core.http import HttpOptions, build_client
    from tokenlab.core.inspection.verify import verify_token

    profile = want.profile
    options = HttpOptions.from_profile(profile) if profile else HttpOptions(timeout=args.timeout)
    redactor = ctx.secrets.redactor if profile else Redactor()
    redactor.add_known(decoded.token)
    cache = AuthorityCache()
    async with build_client(options, bus=ctx.bus, run_id="decode", redactor=redactor) as client:
        if decoded.kind == "jwt" and want.authority:
            report = await verify_token(  # with the clock skew its discovery answer measured
                decoded,
                client=client,
                cache=cache,
                expected_issuer=want.authority,
                audience=want.audience,
                required_scopes=want.scopes,
                client_id=want.client_id,
                token_kind=args.kind,
                leeway=args.leeway,
            )
            return report, clock_used(cache.last_skew.get(want.authority))
        if decoded.kind in ("reference", "opaque") and profile is not None:
            from tokenlab.core.flows.base import FlowContext
            from tokenlab.core.flows.introspection import introspect

            flow_ctx = FlowContext(
                profile=profile,
                secrets=ctx.secrets,
                bus=ctx.bus,
                run_id="decode",
                client=client,
                cache=cache,
            )
            answer = await introspect(
                flow_ctx, decoded, required_scopes=want.scopes, leeway=args.leeway
            )
            return answer, None
    return check_token(decoded, expected_issuer=want.authority, token_kind=args.kind), None


STATUS_LABEL = {"pass": "pass", "skip": "skip", "warn": "WARN", "fail": "FAIL"}

# What the signature check's status lets the report say about how the token was checked.
SIGNATURE_WORDS = {
    "pass": "signature verified with its JWKS",
    "fail": "signature check FAILED against its JWKS",
    "warn": "signature checked with its JWKS, with a warning",
}


def _how_checked(report: TokenReport) -> str:
    signature = report.check("signature")
    if signature is not None and signature.status in SIGNATURE_WORDS:
        return SIGNATURE_WORDS[signature.status]
    asked = report.check("introspection")
    return "introspection" if asked is not None and asked.status != "skip" else "offline checks"


def render(report: TokenReport) -> list[str]:
    """The readable report: token, header, claims with meanings, checks, the verdict."""
    t = report.token
    lines = [f"token    {t.masked}", f"what     {t.description}"]
    if report.authority:
        lines.append(f"against  {report.authority} ({_how_checked(report)})")
    if report.header:
        lines.append("header   " + "  ".join(f"{r.name}={r.value}" for r in report.header))
    if t.kind == "jwt":
        lines.append(f"signature {len(t.signature)} bytes")
    if report.claims:
        lines.append("claims" if report.introspection is None else "introspection answer")
        width = max(len(r.name) for r in report.claims)
        for row in report.claims:
            lines.append(
                f"  {row.name:<{width}}  {row.value}"
                + (f"  {row.readable}" if row.readable else "")
            )
            if row.note:
                lines.append(f"  {'':<{width}}  # {row.note}")
    lines.append("checks")
    for c in report.checks:
        shown = f"  {STATUS_LABEL[c.status]}  {c.name:<13} {c.observed or '-'}"
        reason = hint_with_remedy(c.reason, c.remedy)  # the remedy as this CLI's flags
        if c.status == "skip":
            lines.append(f"{shown}  ({reason})")
            continue
        lines.append(shown)
        if c.status != "pass":
            lines.append(f"        {'':<13} {reason}")
            if c.expected and c.status in ("warn", "fail"):
                lines.append(f"        {'':<13} expected: {c.expected}")
    first = report.first_failure
    if first is not None:
        lines.append(f"result   FAIL at {first.name}: {first.reason}")
    else:
        warned = [c.name for c in report.checks if c.status == "warn"]
        skipped = [c.name for c in report.checks if c.status == "skip"]
        tail = f" (warnings: {', '.join(warned)})" if warned else ""
        if skipped:
            tail += f"; not checked: {', '.join(skipped)}"
        lines.append(f"result   OK: no check failed{tail}")
    return lines


def render_compare(a: DecodedToken, b: DecodedToken) -> list[str]:
    diffs = compare_tokens(a, b)
    lines = [f"compare  {a.masked} -> {b.masked}"]
    if not diffs:
        lines.append("  identical")
    for d in diffs:
        tag = "expected" if d.expected else d.change
        if d.name == "token":  # compared only whole: never a value, not even masked
            lines.append(f"  {tag:<8} token  # {d.note}")
            continue
        before = "-" if d.change == "added" else _short(d.before)
        after = "-" if d.change == "removed" else _short(d.after)
        lines.append(
            f"  {tag:<8} {d.name}: {before} -> {after}" + (f"  # {d.note}" if d.note else "")
        )
    return lines


def _short(value: Any) -> str:
    text = value_text(value)
    return text if len(text) <= 60 else text[:57] + "..."

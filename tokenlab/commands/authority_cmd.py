"""`tokenlab authority URL`: discovery, keys, classification, clock skew and warnings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tokenlab.commands.arguments import timeout_arg
from tokenlab.commands.context import CommandContext
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.urls import check_url

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport


# A finding's level -> its colour role (commands/color.py); "info" stays plain.
LEVEL_ROLE = {"ok": "ok", "warning": "warning", "error": "bad"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "authority",
        help="check an identity authority (discovery, JWKS, issuer, clock)",
        description="Check an identity authority. Give the authority ({instance}/id) or, with --instance, the instance URL.",
    )
    p.add_argument("url", help="authority URL, e.g. https://acme.my.erp.net/id")
    p.add_argument(
        "--instance",
        action="store_true",
        help="URL is an instance: find its authority by auto-discovery",
    )
    p.add_argument(
        "--insecure", action="store_true", help="allow plain http to a host that is not loopback"
    )
    p.add_argument("--ca-bundle", default="", help="PEM file of extra CA certificates to trust")
    p.add_argument(
        "--timeout", type=timeout_arg, default=10.0, help="seconds per whole request (default 10)"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="trace every exchange")
    p.set_defaults(run=_run)


async def _inspect(args: argparse.Namespace, ctx: CommandContext) -> AuthorityReport:
    from tokenlab.core.authority import find_authority, inspect_authority
    from tokenlab.core.http import HttpOptions, build_client

    options = HttpOptions(timeout=args.timeout, ca_bundle=args.ca_bundle)
    async with build_client(options, bus=ctx.bus, run_id="authority") as client:
        url, via = args.url, "given"
        if args.instance:
            url, _, via = await find_authority(client, args.url)
        return await inspect_authority(client, url, allow_insecure=args.insecure, found_via=via)


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import asyncio

    check_url(
        args.url,
        what="instance URL" if args.instance else "authority URL",
        allow_insecure=args.insecure,
    )
    if args.verbose:
        from tokenlab.commands.trace import TracePrinter

        TracePrinter(ctx.stderr, verbose=True).attach(ctx.bus)
    from tokenlab.core.proxy_choice import proxy_for
    from tokenlab.core.report import masked_authority

    report = masked_authority(asyncio.run(_inspect(args, ctx)), one_line=not args.json)
    proxy = proxy_for(report.authority)  # HTTPS_PROXY / NO_PROXY, as the requests went
    if args.json:
        ctx.json({**report.to_json(), "proxy": proxy.to_json()}, schema="authority")
        return 0 if report.ok else 1
    d = report.to_json()
    ctx.out(f"authority  {report.authority}  ({report.kind}; {report.found_via})")
    ctx.out(f"proxy      {proxy.words}")
    ctx.out(f"issuer     {d['issuer'] or '-'}")
    for name, url in d["endpoints"].items():
        if url:
            ctx.out(f"  {name:<30} {url}")
    ctx.out(f"grants     {' '.join(d['grant_types_supported']) or '-'}")
    ctx.out(f"PKCE       {' '.join(d['code_challenge_methods_supported']) or '-'}")
    ctx.out(f"client auth {' '.join(d['token_endpoint_auth_methods_supported']) or '-'}")
    ctx.out(f"keys       {len(report.keys)}")
    for k in report.keys:
        ctx.out(
            f"  kid={k.kid or '-'} kty={k.kty} alg={k.alg or '-'} use={k.use or '-'} size={k.size or '-'}"
            + (f"  UNUSABLE: {k.problem}" if k.problem else "")
        )
    skew_s = report.clock_skew_s
    skew = (
        "unknown (no Date header)"
        if skew_s is None
        else "in sync"
        if abs(skew_s) < 1
        else f"{skew_s:+.0f} s"
    )
    ctx.out(f"clock skew {skew}")
    for f in report.findings:
        hint = hint_with_remedy(f.hint, f.remedy)
        text = f.message + (f"\n         hint: {hint}" if hint else "")
        ctx.out_marked(f"{f.level.upper():<8}", LEVEL_ROLE.get(f.level, ""), f" {text}")
    ctx.out(verdict(report))
    return 0 if report.ok else 1


def verdict(report: AuthorityReport) -> str:
    """The last line: "usable" only when nothing at all is wrong."""
    errors = sum(f.level == "error" for f in report.findings)
    warnings = sum(f.level == "warning" for f in report.findings)
    if errors:
        return f"NOT USABLE: {errors} error(s) above"
    if warnings:
        return f"CHECK: {warnings} warning(s) above; read them before relying on this authority"
    return "OK: usable" + (" for API tokens" if report.kind == "instance" else "")

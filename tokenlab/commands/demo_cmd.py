"""`tokenlab sandbox` and `tokenlab demo`: the embedded sandbox instance and its demo profiles.

The only commands that import `tokenlab.sandbox`; the sandbox itself imports nothing of ours.

The demo profiles' lifecycle: the console's demo (`tokenlab demo`) keeps its demo-* profiles
in a throw-away directory that lives as long as the console and its sandbox: nothing is
written to the user's profile directory, so nothing points at a dead port afterwards.
`demo --print-profiles --port N` is the one way to write them there (for the CLI against a
`tokenlab sandbox` in another terminal), and only when a sandbox answers on N. Every demo
profile is marked (`demo_sandbox`), so one that meets a closed port says the sandbox is not
running and how to start it, instead of "is the URL right".
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, RemedyKind, TokenlabError, UsageError, remedy
from tokenlab.core.profiles import ProbeRequest, Profile, ProfileStore, new_profile, profile_summary

if TYPE_CHECKING:
    from tokenlab.sandbox import DemoProfile


def add_parser(sub: Any) -> None:
    sb = sub.add_parser(
        "sandbox",
        help="run only the sandbox instance in the foreground",
        description="Run the embedded sandbox instance until Ctrl-C, for use from another terminal.",
    )
    sb.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    sb.set_defaults(run=_sandbox)

    demo = sub.add_parser(
        "demo",
        help="try tokenlab against the embedded sandbox (no account needed)",
        description="Start the sandbox instance, create the demo-* profiles for it, and open the console.",
    )
    demo.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    demo.add_argument(
        "--print-profiles",
        action="store_true",
        help="write the demo profiles to your profile directory for a sandbox already running "
        "at --port (checked first), print them, and exit; without it the demo's profiles live "
        "only as long as its console",
    )
    demo.add_argument("--json", action="store_true", help="with --print-profiles: as JSON")
    demo.set_defaults(run=_demo)


def to_profile(demo: DemoProfile) -> Profile:
    return new_profile(
        demo.name,
        demo.instance,
        demo.scenario,
        description=demo.description,
        authority_url=demo.authority or "",
        client_id=demo.client_id or "",
        auth_method=demo.auth_method or "none",
        scopes=tuple(demo.scopes),
        redirect_uri=demo.redirect_uri or "",
        public_secret=demo.public_secret or "",
        public_reference_token=demo.reference_token or "",
        api_url=demo.api_url or "",
        probe=ProbeRequest(path=demo.probe_path) if demo.probe_path else ProbeRequest(),
        demo_sandbox=True,
    )


def write_demo_profiles(store: ProfileStore, base_url: str) -> list[Profile]:
    from tokenlab.sandbox import demo_catalog

    profiles = [to_profile(d) for d in demo_catalog(base_url)]
    for profile in profiles:
        store.save(profile)  # refreshes a demo profile; an unreadable file is refused, not replaced
    return profiles


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise UsageError(
            f"port {port} is out of range", "use 1..65535, or leave it out for a free port"
        )


def _sandbox(args: argparse.Namespace, ctx: CommandContext) -> int:
    _check_port(args.port)
    from tokenlab.sandbox import serve_forever

    try:
        serve_forever(args.port, ctx.stdout)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
            "pick another --port, or leave it out",
        ) from None
    return 0


class SandboxNotRunningError(TokenlabError):
    exit_code = EXIT_FAILURE


def _require_sandbox(port: int) -> None:
    """A sandbox answers on `port`, or no profile is written: they would point at nothing."""
    import httpx

    authority = f"http://127.0.0.1:{port}/id"
    try:
        answer = httpx.get(
            f"{authority}/.well-known/openid-configuration", timeout=3.0, trust_env=False
        )  # loopback: never through a proxy
        body = answer.json() if answer.status_code == 200 else None
        ours = isinstance(body, dict) and body.get("issuer") == authority
    except (httpx.HTTPError, ValueError):
        ours = False
    if not ours:
        raise SandboxNotRunningError(
            f"no tokenlab sandbox answers on port {port}: no demo profile was written",
            "the demo profiles work only while a sandbox listens on their port",
            remedy=remedy(RemedyKind.START_SANDBOX, port=str(port)),
        )


def _demo(args: argparse.Namespace, ctx: CommandContext) -> int:
    _check_port(args.port)
    if args.print_profiles:
        if not args.port:
            raise UsageError(
                "--print-profiles needs the --port of a running sandbox",
                "start one with `tokenlab sandbox --port 8080`",
            )
        _require_sandbox(args.port)
        profiles = write_demo_profiles(ctx.profiles, f"http://127.0.0.1:{args.port}")
        if args.json:
            ctx.json({"profiles": [profile_summary(p) for p in profiles]}, schema="demo")
        else:
            width = max(len(p.name) for p in profiles)
            for p in profiles:
                ctx.out(f"{p.name:<{width}}  {p.scenario:<12} {p.description}")
            ctx.out(
                f"\ntry: tokenlab token --profile demo-service-app   (profiles in {ctx.profiles.dir})"
            )
        return 0
    from tokenlab.sandbox import Sandbox
    from tokenlab.ui.launch import require_terminal, run_console

    require_terminal()  # before the sandbox starts or a profile is written: nothing to undo
    with contextlib.ExitStack() as stack:
        try:
            sandbox = stack.enter_context(Sandbox.running_in_thread(port=args.port))
        except OSError as exc:
            raise UsageError(
                f"cannot start the sandbox on 127.0.0.1:{args.port}: {exc.strerror}",
                "pick another --port, or leave it out",
            ) from None
        # the demo's profiles live as long as its sandbox: a throw-away directory, never the
        # user's (see the module's note on the lifecycle)
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="tokenlab-demo-"))
        store = ProfileStore(Path(scratch), bus=ctx.bus)
        write_demo_profiles(store, sandbox.url)
        from tokenlab.sandbox import DEMO_USER

        sign_in = f"user {DEMO_USER.username} / password {DEMO_USER.password}"  # public demo values
        code = run_console(  # its secrets (refresh tokens) stay in its memory, as its profiles
            store,
            ctx.secrets,
            title="demo",
            sandbox_url=sandbox.url,
            demo_sign_in=sign_in,
            use_keyring=False,
        )
    ctx.stderr.write(
        "tokenlab: the demo's profiles and sandbox lived only for that console; to use them "
        "from the CLI, run `tokenlab sandbox --port 8080` and "
        "`tokenlab demo --print-profiles --port 8080`\n"
    )
    return code

"""The `tokenlab` command. Headless subcommands never import Textual; only the console does.

Exit codes: 0 ok, 1 a diagnosed failure, 2 usage or input error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from tokenlab import __version__
from tokenlab.commands import (
    authority_cmd,
    decode_cmd,
    demo_cmd,
    doctor_cmd,
    probe_cmd,
    profiles_cmd,
    secret_cmd,
    token_cmd,
)
from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, TokenlabError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line and a hint, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tokenlab",
        description="Get, inspect and troubleshoot access tokens from a platform instance's identity service. "
        "With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"tokenlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    profiles_cmd.add_parser(sub)
    secret_cmd.add_parser(sub)
    authority_cmd.add_parser(sub)
    token_cmd.add_parser(sub)
    decode_cmd.add_parser(sub)
    probe_cmd.add_parser(sub)
    doctor_cmd.add_parser(sub)
    demo_cmd.add_parser(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    ctx = CommandContext(
        stdin=stdin or sys.stdin, stdout=stdout or sys.stdout, stderr=stderr or sys.stderr
    )
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            from tokenlab.ui.launch import run_console  # the only road to Textual

            return run_console(ctx.profiles, ctx.secrets)
        return int(args.run(args, ctx))
    except TokenlabError as exc:
        if debug:
            raise
        ctx.error(exc.message, exc.hint, exc.remedy)
        return exc.exit_code
    except KeyboardInterrupt:
        ctx.stderr.write("tokenlab: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            raise
        ctx.error(
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a bug in tokenlab; run again with --debug for the traceback",
        )
        return EXIT_FAILURE


def entry() -> None:
    sys.exit(main())

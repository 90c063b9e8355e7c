"""The `tokenlab` command. Headless subcommands never import Textual; only the console does.

Exit codes: 0 ok, 1 a diagnosed failure, 2 usage or input error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from tokenlab import __version__
from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, TokenlabError, UsageError

# The command modules in `--help` order, and the module of each command word: a run imports
# only the module of its command (each pulls in its own part of the core), not all of them.
COMMAND_MODULES = (
    "profiles_cmd",
    "secret_cmd",
    "authority_cmd",
    "token_cmd",
    "decode_cmd",
    "probe_cmd",
    "doctor_cmd",
    "demo_cmd",
    "app_cmd",
)
MODULE_OF_COMMAND = {
    "profiles": "profiles_cmd",
    "secret": "secret_cmd",
    "authority": "authority_cmd",
    "token": "token_cmd",
    "decode": "decode_cmd",
    "probe": "probe_cmd",
    "doctor": "doctor_cmd",
    "sandbox": "demo_cmd",
    "demo": "demo_cmd",
    "app": "app_cmd",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line and a hint, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every command."""
    return _parser_with(COMMAND_MODULES)


def _parser_with(modules: Sequence[str]) -> argparse.ArgumentParser:
    """The top level plus the commands of `modules`."""
    parser = _Parser(
        prog="tokenlab",
        description="Get, inspect and troubleshoot access tokens from a platform instance's identity service. "
        "With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"tokenlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in modules:
        importlib.import_module(f"tokenlab.commands.{name}").add_parser(sub)
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """A parser that reads `argv` exactly as the whole one would, built from fewer modules.

    A known command word loads only its module; no arguments at all (the console) need no
    command; anything else (--help, --version, an unknown word) gets the whole parser."""
    words = [a for a in argv if a != "--debug"]
    if not words:
        return _parser_with(())
    if words[0] in MODULE_OF_COMMAND:
        return _parser_with((MODULE_OF_COMMAND[words[0]],))
    return build_parser()


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
        arguments = sys.argv[1:] if argv is None else list(argv)
        args = parser_for(arguments).parse_args(arguments)
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

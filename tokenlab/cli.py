"""The `tokenlab` command. Headless subcommands never import Textual; only the console does.

Exit codes: 0 ok, 1 a diagnosed failure, 2 usage or input error, 130 interrupted, 141 the
reader of stdout went away early (`tokenlab decode T | head -3`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from tokenlab import __version__
from tokenlab.commands.color import COLOR_CHOICES
from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, TokenlabError, UsageError

# A reader that closed the pipe early (`| head`) ends the command quietly, as Unix tools do:
# nothing on stderr, and the status a shell shows for a tool ended by SIGPIPE (128 + 13), so a
# script under `set -o pipefail` can still tell that the output was not read to the end.
EXIT_BROKEN_PIPE = 141

# The command modules in `--help` order, and the module of each command word: a run imports
# only the module of its command (each pulls in its own part of the core), not all of them.
COMMAND_MODULES = (
    "profiles_cmd",
    "secret_cmd",
    "authority_cmd",
    "token_cmd",
    "decode_cmd",
    "diff_cmd",
    "probe_cmd",
    "doctor_cmd",
    "watch_cmd",
    "demo_cmd",
    "completion_cmd",
    "app_cmd",
)
MODULE_OF_COMMAND = {
    "profiles": "profiles_cmd",
    "secret": "secret_cmd",
    "authority": "authority_cmd",
    "token": "token_cmd",
    "decode": "decode_cmd",
    "diff": "diff_cmd",
    "probe": "probe_cmd",
    "doctor": "doctor_cmd",
    "watch": "watch_cmd",
    "sandbox": "demo_cmd",
    "demo": "demo_cmd",
    "completion": "completion_cmd",
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
    _add_color(parser, "auto")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in modules:
        importlib.import_module(f"tokenlab.commands.{name}").add_parser(sub)
    _color_everywhere(parser)
    return parser


# `--color` is global and goes before or after the command word (`tokenlab --color never
# decode T` and `tokenlab decode T --color never`): every command's parser takes it too.
def _add_color(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=default,
        help="colour: auto (default: only on a terminal, never with NO_COLOR set), always, never",
    )


def _color_everywhere(parser: argparse.ArgumentParser) -> None:
    """Give every (sub)command parser `--color`; SUPPRESS keeps one given earlier."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if "--color" not in child._option_string_actions:
                    _add_color(child, argparse.SUPPRESS)
                _color_everywhere(child)


def command_words(argv: Sequence[str]) -> list[str]:
    """`argv` without the global options (--debug, --color X), to find the command word."""
    words: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--color":
            skip = True
        elif a != "--debug" and not a.startswith("--color="):
            words.append(a)
    return words


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """A parser that reads `argv` exactly as the whole one would, built from fewer modules.

    A known command word loads only its module; no arguments at all (the console) need no
    command; anything else (--help, --version, an unknown word) gets the whole parser."""
    words = command_words(argv)
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
        ctx.color = getattr(args, "color", "auto")
        if args.command is None:
            from tokenlab.ui.launch import run_console  # the only road to Textual

            return run_console(ctx.profiles, ctx.secrets)
        return int(args.run(args, ctx))
    except TokenlabError as exc:
        if debug:
            raise
        ctx.error(exc.message, exc.hint, exc.remedy)
        return exc.exit_code
    except BrokenPipeError:
        if ctx.stdout is sys.stdout:
            _silence_stdout()
        return EXIT_BROKEN_PIPE
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


def _silence_stdout() -> None:
    """Point stdout at devnull, so the interpreter's own flush at exit (of what is still
    buffered for the closed pipe) cannot fail again and print an error (the Python docs'
    advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no stdout file at all: nothing will be flushed to it
        pass


def entry() -> None:
    if "_ARGCOMPLETE" in os.environ:  # a shell asks for completions (commands/completion_cmd.py)
        from tokenlab.commands.completion_cmd import complete

        complete()
    code = main()
    try:
        sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe prints an error
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_BROKEN_PIPE
    sys.exit(code)

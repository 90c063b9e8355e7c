"""`tokenlab completion bash|zsh|fish`: the shell's completion script; and the completions.

Built on argcomplete (3.7), not shtab: argcomplete covers fish as well as bash and zsh, and it
completes at run time in Python, so profile names come from the profile directory by the same
code that finds it. (shtab writes static scripts for bash, zsh and tcsh only; dynamic values
would need shell functions written by hand for each shell.) The script runs `tokenlab` with
argcomplete's environment on every TAB: `complete` answers it, loading only the command module
of the words typed (cli.parser_for), never Textual or the flows.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from tokenlab.commands.context import CommandContext

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "tokenlab"
INSTALL = """\
install it once:
  bash: tokenlab completion bash > ~/.local/share/bash-completion/completions/tokenlab
  zsh:  tokenlab completion zsh > "${fpath[1]}/_tokenlab"   (or: eval "$(tokenlab completion zsh)" in ~/.zshrc)
  fish: tokenlab completion fish > ~/.config/fish/completions/tokenlab.fish"""

# Where a profile name is typed: `--profile/-p` anywhere, and the NAME of these subcommands.
PROFILE_OPTION = "profile"
PROFILE_NAME_OF = {"profiles": "name", "secret": "name"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print the shell completion script (bash, zsh, fish)",
        description="Print the completion script for SHELL: commands, options and profile names.",
        epilog=INSTALL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from argcomplete.shell_integration import shellcode

    # the script as argcomplete writes it: written as it is (ctx.out would make it "inert")
    ctx.stdout.write(shellcode([PROGRAM], shell=args.shell))
    return 0


def profile_names(prefix: str = "", **_: Any) -> list[str]:
    """The profile names in the profile directory that start with `prefix`: file names only,
    no profile is read (a TAB must be quick, and a broken file must not stop it)."""
    from tokenlab.core.storage import config_dir

    try:
        files = (config_dir() / "profiles").glob("*.toml")
        return sorted(p.stem for p in files if p.stem.startswith(prefix) and p.stem[:1] != ".")
    except OSError:
        return []


def attach_completers(parser: argparse.ArgumentParser, command: str = "") -> None:
    """Profile names for every `--profile` and for the NAME of `profiles`/`secret` subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word, child in action.choices.items():
                attach_completers(child, command or word)
        elif action.dest == PROFILE_OPTION or (
            not action.option_strings and PROFILE_NAME_OF.get(command) == action.dest
        ):
            action.completer = profile_names  # type: ignore[attr-defined]


def _typed_words() -> list[str]:
    """The complete words before the one being completed, without the program's name."""
    line = os.environ.get("COMP_LINE", "")
    point = int(os.environ.get("COMP_POINT", len(line)) or len(line))
    words = line[:point].split()
    if line[:point] and not line[:point][-1].isspace():
        words = words[:-1]  # the word under the cursor is being completed
    return words[1:]


def complete() -> None:
    """Answer the shell's completion request (argcomplete's environment) and exit."""
    import argcomplete

    from tokenlab.cli import MODULE_OF_COMMAND, build_parser, command_words, parser_for

    words = _typed_words()
    known = command_words(words)[:1] and command_words(words)[0] in MODULE_OF_COMMAND
    parser = parser_for(words) if known else build_parser()
    attach_completers(parser)
    argcomplete.autocomplete(parser, always_complete_options=False)
    os._exit(0)  # autocomplete exits after answering; this is only its safety net

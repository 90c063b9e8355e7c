"""What the tokenlab CLI defines: its --options and its commands, read from the real parser."""

from __future__ import annotations

import argparse

from tokenlab.cli import build_parser


def cli_vocabulary() -> tuple[set[str], set[str]]:
    """(every --option of every command and subcommand, the top-level command names)."""
    flags: set[str] = set()
    commands: set[str] = set()

    def walk(parser: argparse.ArgumentParser, top: bool) -> None:
        for action in parser._actions:
            flags.update(o for o in action.option_strings if o.startswith("--"))
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if top:
                        commands.add(name)
                    walk(sub, False)

    walk(build_parser(), True)
    return flags, commands

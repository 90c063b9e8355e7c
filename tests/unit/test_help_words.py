"""`--help` speaks plain words: no "seed" (the project's name for the guide it walks) unexplained."""

from __future__ import annotations

import argparse

import pytest

from tokenlab.cli import COMMAND_MODULES, build_parser


def _parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


ALL = _parsers(build_parser())


def test_every_command_is_walked() -> None:
    assert len(ALL) > len(COMMAND_MODULES)


@pytest.mark.parametrize("prog,parser", ALL, ids=[p for p, _ in ALL])
def test_help_has_no_unexplained_seed(prog: str, parser: argparse.ArgumentParser) -> None:
    text = parser.format_help().lower()
    assert "seed" not in text, prog


def test_the_doctor_says_what_its_checklist_is() -> None:
    text = build_parser().format_help()
    assert "the 'Get an Access" in text and "API answers 200" in " ".join(text.split())

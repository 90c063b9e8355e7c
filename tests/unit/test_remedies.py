"""Every remedy the core can give has CLI words, and they name flags and commands that exist."""

from __future__ import annotations

import argparse
import re

import pytest

from tests.support.cli_words import cli_vocabulary
from tokenlab.cli import build_parser
from tokenlab.commands.remedies import FIELD_FLAGS, RENDER, hint_with_remedy, render_remedy
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.profiles import FIELDS

# One value for every data key any kind uses (see the comments on RemedyKind).
SAMPLE_DATA = {
    "ways": ("paste", "device"),
    "profile": "acme",
    "kind": "client-secret",
    "env": "TOKENLAB_CLIENT_SECRET",
    "field": "client_id",
    "example": "com.vendor/app",
    "what": "issuer",
    "scopes": ("read", "update"),
    "url": "https://acme.my.erp.net/id",
    "seconds": 30.0,
    "name": "acme",
    "action": "create",
    "client_id": "com.acme/svc",
    "setting": "ImpersonateLoginUrl",
    "value": "http://127.0.0.1/callback",
    "clock": "this-machine",
    "offset_s": 120.0,
}
# What each kind also looks like with little or other data (faces must cope with both).
VARIANTS = [
    remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("device",)),
    remedy(
        RemedyKind.GIVE_SECRET_FOR_RUN, env=("TOKENLAB_CLIENT_SECRET", "TOKENLAB_KEY_PASSPHRASE")
    ),
    remedy(RemedyKind.SET_PROFILE_FIELD, field="tls.ca_bundle", example="PATH"),
    remedy(RemedyKind.SET_PROFILE_FIELD, field="probe.body"),
    remedy(RemedyKind.FIX_AUTHORITY, profile="acme"),
    remedy(RemedyKind.FIX_AUTHORITY),
    remedy(RemedyKind.ALLOW_INSECURE, url="http://lab/id"),
    remedy(RemedyKind.CHOOSE_ANOTHER_NAME, name="acme", action="import"),
    remedy(RemedyKind.REQUEST_SCOPES),
    remedy(RemedyKind.FIX_CLOCK, clock="api", offset_s=-300.0),
    *(remedy(kind) for kind in RemedyKind),
]


def every_remedy() -> list[Remedy]:
    return [Remedy(kind, dict(SAMPLE_DATA)) for kind in RemedyKind] + VARIANTS


def test_every_kind_has_a_rendering() -> None:
    assert set(RENDER) == set(RemedyKind)


@pytest.mark.parametrize("fix", every_remedy(), ids=lambda r: f"{r.kind.value}:{len(r.data)}")
def test_each_renders_to_one_line_naming_real_flags_or_commands(fix: Remedy) -> None:
    flags, commands = cli_vocabulary()
    line = render_remedy(fix)
    assert line.strip() and "\n" not in line
    named_flags = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", line))
    named_commands = set(re.findall(r"`tokenlab ([a-z]+)", line))
    assert named_flags <= flags, named_flags - flags
    assert named_commands <= commands, named_commands - commands
    assert named_flags or named_commands, line


def test_every_profile_field_renders_as_an_option_of_profiles_edit() -> None:
    edit = _subparser(build_parser(), "profiles", "edit")
    options = {o for a in edit._actions for o in a.option_strings}
    set_by_hand = {"probe.body", "public_secret", "public_reference_token", "demo_sandbox"}
    for f in FIELDS:
        if f.path in set_by_hand:
            assert f.path not in FIELD_FLAGS
            continue
        assert FIELD_FLAGS[f.path] in options, f.path
        shown = render_remedy(remedy(RemedyKind.SET_PROFILE_FIELD, profile="acme", field=f.path))
        assert shown.startswith(
            f"change it with `tokenlab profiles edit acme {FIELD_FLAGS[f.path]}"
        )


def test_the_hint_and_its_rendering_read_as_one_line() -> None:
    fix = remedy(RemedyKind.RAISE_TIMEOUT, seconds=10.0)
    assert hint_with_remedy("the server may be down or slow", fix) == (
        "the server may be down or slow; if it is just slow, raise --timeout SECONDS"
    )
    assert hint_with_remedy("", fix) == render_remedy(fix)
    assert hint_with_remedy("plain words", None) == "plain words"


def _subparser(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    for name in names:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser

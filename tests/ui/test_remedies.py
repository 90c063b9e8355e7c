"""Every remedy the core can give has console words: keys of this console, never a CLI flag."""

from __future__ import annotations

import re

import pytest

from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.ui.remedies import RENDER, render_remedy

FLAG = re.compile(r"(?<![\w-])--[a-z]")

FULL_DATA = {  # every data key any kind documents, filled in as the core would
    "ways": ("paste", "device"),
    "profile": "acme",
    "kind": "client-secret",
    "env": "TOKENLAB_CLIENT_SECRET",
    "field": "client_id",
    "example": "com.acme/svc",
    "what": "audience",
    "scopes": ("read", "update"),
    "url": "https://acme.my.erp.net/id",
    "seconds": "300",
    "name": "acme",
    "client_id": "com.acme/svc",
    "setting": "SystemUserAllowed",
    "value": "true",
    "clock": "this-machine",
    "offset_s": "420",
}


def test_every_remedy_kind_has_console_words() -> None:
    assert sorted(set(RemedyKind) - set(RENDER)) == []


@pytest.mark.parametrize("kind", list(RemedyKind))
@pytest.mark.parametrize("data", [FULL_DATA, {}], ids=["with-data", "bare"])
def test_a_remedy_reads_as_console_words_without_a_flag(
    kind: RemedyKind, data: dict[str, object]
) -> None:
    words = render_remedy(Remedy(kind, dict(data)))
    assert words.strip()
    assert not FLAG.search(words), words


def test_the_ways_to_finish_a_sign_in_name_the_consoles_flow_pane() -> None:
    device = render_remedy(remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY))
    assert device.startswith("run it by device code in the Flow pane (2)")
    paste_only = render_remedy(remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste",)))
    assert "device code" not in paste_only and "paste box" in paste_only
    assert render_remedy(None) == ""

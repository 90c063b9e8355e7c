"""What every command gets: its streams, the profile store, the secret store, and output helpers."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

from tokenlab.commands.color import paint, wants_color
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import Remedy
from tokenlab.core.events import Bus, Notice
from tokenlab.core.redact import mask_tokens
from tokenlab.core.terminal_text import inert, inert_line, json_inert

if TYPE_CHECKING:  # the stores load on first use: `decode` never opens them
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.core.secrets import SecretStore

_SURROGATE = re.compile("[\ud800-\udfff]")


def _finite(value: Any) -> Any:
    """`value` with every non-finite float as a string: JSON has no Infinity or NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_text(value: Any) -> str:
    """Valid JSON for stdout whatever a server or a token put in `value`: a number too large
    for a float (read as inf) becomes a string, and a lone surrogate (valid in a JSON escape,
    but not encodable as UTF-8) is written as its escape."""
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:  # rare: only a hostile value has inf in it
        text = json.dumps(_finite(value), indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass
class CommandContext:
    """A command's streams, bus, profiles and secrets, and how it prints."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    bus: Bus = field(default_factory=Bus)
    color: str = "auto"  # --color: auto | always | never (see commands/color.py)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def __post_init__(self) -> None:
        # Notices (e.g. "no keyring, falling back") go to stderr once, whatever the command.
        self.bus.subscribe(self._print_notice, Notice)

    @cached_property
    def profiles(self) -> ProfileStore:
        from tokenlab.core.profiles import ProfileStore

        return ProfileStore(bus=self.bus)

    @cached_property
    def secrets(self) -> SecretStore:
        from tokenlab.core.secrets import SecretStore

        return SecretStore(bus=self.bus, run_id="cli")

    def colors(self, stream: TextIO) -> bool:
        """The one decision: does text written to `stream` get colour?"""
        return wants_color(self.color, stream, self.environ)

    def paint(self, text: str, role: str, stream: TextIO | None = None) -> str:
        """`text` in the colour of `role` ("error", "warning", "hint", "ok", "bad") when
        `stream` (stdout by default) gets colour; server text must be made inert first."""
        return paint(text, role, self.colors(self.stdout if stream is None else stream))

    # Every line below is made inert (core/terminal_text.py) on its way out: the final guard
    # for server-written text, whichever road it took.

    def out(self, text: str = "") -> None:
        self.stdout.write(inert(text) + "\n")

    def out_marked(self, mark: str, role: str, text: str) -> None:
        """A line that starts with a status mark ("ERROR", "WARN") coloured by `role`; the rest
        is made inert as `out` does."""
        self.stdout.write(f"{self.paint(mark, role)}{inert(text)}\n")

    def json(self, value: Any, *, schema: str = "") -> None:
        """`value` as JSON on stdout; `schema` names the output (commands/json_output.py),
        which puts its versioned marker first and an ISO twin beside every time."""
        if schema:
            from tokenlab.commands.json_output import shaped

            value = shaped(schema, value)
        # finite numbers and escaped surrogates first, then the controls a terminal would obey
        self.stdout.write(json_inert(json_text(value)) + "\n")

    def error(self, message: str, hint: str = "", remedy: Remedy | None = None) -> None:
        self._diagnostic("error", message, hint, remedy)

    def warn(self, message: str, hint: str = "", remedy: Remedy | None = None) -> None:
        self._diagnostic("warning", message, hint, remedy)

    def _diagnostic(self, role: str, message: str, hint: str, remedy: Remedy | None) -> None:
        label = self.paint(f"{role}:", role, self.stderr)
        self.stderr.write(f"tokenlab: {label} {self._scrubbed(message)}\n")
        hint = hint_with_remedy(hint, remedy)
        if hint:
            self.stderr.write(
                f"{self.paint('hint:', 'hint', self.stderr)} {self._scrubbed(hint)}\n"
            )

    def _scrubbed(self, text: str) -> str:
        """On one line, masked (a URL's user:password, a secret a server echoed), inert. The
        secret store's redactor knows what it handed out, once this command opened it."""
        store = self.__dict__.get("secrets")  # the cached_property, only if already opened
        return inert_line(store.redactor.text(text) if store else mask_tokens(text))

    def _print_notice(self, notice: Notice) -> None:
        if notice.level == "warning":
            self.warn(notice.message, notice.hint, notice.remedy)
            return
        self.stderr.write(f"tokenlab: {inert(notice.message)}\n")
        if notice.remedy is not None:  # an info with a step (finish the sign-in another way)
            hint = inert(hint_with_remedy(notice.hint, notice.remedy))
            self.stderr.write(f"{self.paint('hint:', 'hint', self.stderr)} {hint}\n")

"""The console's panes, in key order: each one's name, key, title and where its class lives.

A pane's module (and the Textual widgets and core modules it needs) is imported when the pane is
first made, not when the console starts: the first screen makes only the pane it shows.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.widget import Widget


@dataclass(frozen=True)
class PaneSpec:
    name: str
    key: str
    title: str
    module: str
    class_name: str

    def load(self) -> type[Widget]:
        found = getattr(importlib.import_module(self.module), self.class_name)
        if not (isinstance(found, type) and issubclass(found, Widget)):
            raise TypeError(f"{self.module}.{self.class_name} is not a widget")
        return found


def _pane(name: str, key: str, title: str, class_name: str) -> PaneSpec:
    return PaneSpec(name, key, title, f"tokenlab.ui.widgets.{name}_pane", class_name)


PANES: tuple[PaneSpec, ...] = (
    _pane("authority", "1", "Authority", "AuthorityPane"),
    _pane("flow", "2", "Flow", "FlowPane"),
    _pane("token", "3", "Token", "TokenPane"),
    _pane("probe", "4", "Probe", "ProbePane"),
    _pane("doctor", "5", "Doctor", "DoctorPane"),
    _pane("profiles", "6", "Profiles", "ProfilesPane"),
    _pane("watch", "7", "Watch", "WatchPane"),
    _pane("fleet", "8", "Fleet", "FleetPane"),
)
PANE_NAMES = tuple(spec.name for spec in PANES)
PANE_OF_CLASS = {spec.class_name: spec.name for spec in PANES}
SPEC = {spec.name: spec for spec in PANES}

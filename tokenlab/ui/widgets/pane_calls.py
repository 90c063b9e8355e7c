"""Calls to a pane that is not on the screen yet: kept, and made in order once it is.

The console composes only the pane it opens on; the others are mounted just after the first
screen is drawn, or at once when their key is pressed first. Until then the screen may already
talk to them (the active profile, a run's result): a pane's methods that the screen calls are
marked `@until_mounted`, and `replay_deferred` makes the calls they kept once the pane is
mounted, so the pane shows exactly what it would have shown had it been there all along.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from textual.widget import Widget

P = ParamSpec("P")
W = TypeVar("W", bound=Widget)

_KEPT = "_tokenlab_deferred_calls"


def until_mounted(method: Callable[Concatenate[W, P], None]) -> Callable[Concatenate[W, P], None]:
    """Call `method` now if the pane is mounted, else when `replay_deferred` runs for it."""

    def call(self: W, /, *args: P.args, **kwargs: P.kwargs) -> None:
        kept: list[Callable[[], None]] | None = self.__dict__.get(_KEPT)
        if self.is_mounted and not kept:
            method(self, *args, **kwargs)
            return
        if kept is None:
            kept = self.__dict__[_KEPT] = []
        kept.append(functools.partial(method, self, *args, **kwargs))  # after those before it

    functools.update_wrapper(call, method)
    return call


def replay_deferred(pane: Widget) -> None:
    """Make the calls `pane` kept while it was not mounted, in the order they came."""
    kept: list[Callable[[], None]] = pane.__dict__.get(_KEPT, [])
    while kept:  # a call may come while the kept ones are made: it waits its turn
        kept.pop(0)()
    pane.__dict__.pop(_KEPT, None)

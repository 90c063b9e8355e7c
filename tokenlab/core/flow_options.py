"""How a flow run is to behave: how the sign-in is finished, waits, and authority policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from tokenlab.core.authority import DEFAULT_GLOBAL_AUTHORITIES

Finish = Literal["loopback", "paste", "device"]
PasteSource = Callable[[str], Awaitable[str]]  # prompt -> what the user pasted


@dataclass
class FlowOptions:
    """How an interactive flow finishes its sign-in, and how long it waits for the user."""

    finish: Finish | None = None  # None: loopback, or paste/device when no browser can open
    open_browser: bool = True  # False: only show the sign-in address
    browser_command: str = ""  # the user's command to open it ("%s" or last: the address)
    paste: PasteSource | None = None
    wait_timeout: float = 300.0  # how long to wait for the user (sign-in, device approval)
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES
    allow_global_authority: bool = False  # fetch a sign-in token anyway, to show the API's 401
    refresh_token: str | None = None  # refresh this one instead of the stored one

"""Worker bodies: call the core for one run and hand back what it returned, as a message.

Live progress reaches the console over the run's bus (through the bridge); only the finished
result comes back from here. No widget is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from tokenlab.core.flow_options import FlowOptions
from tokenlab.ui.messages import DoctorFinished, TokenReady

if TYPE_CHECKING:
    from textual.message import Message

    from tokenlab.core.events import Bus
    from tokenlab.core.profiles import Profile
    from tokenlab.core.secrets import SecretStore

RunKind = Literal["token", "device", "doctor"]


def options_for(kind: RunKind) -> FlowOptions:
    # No browser is opened from the console (often used over SSH); the URL is shown instead.
    return FlowOptions(finish="device" if kind == "device" else None, open_browser=False)


async def run(profile: Profile, kind: RunKind, *, secrets: SecretStore, bus: Bus) -> Message:
    """Run `kind` for `profile`; raises the core's `TokenlabError` when it fails."""
    if kind == "doctor":
        from tokenlab.core.doctor import run_doctor

        checked = await run_doctor(profile, secrets=secrets, bus=bus, options=options_for(kind))
        return DoctorFinished(profile, checked)
    from tokenlab.core.flows.runner import run_flow

    result = await run_flow(profile, secrets=secrets, bus=bus, options=options_for(kind))
    return TokenReady(profile, result)

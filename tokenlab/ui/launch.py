"""Starting the console from core objects: the one road from the CLI into Textual.

Takes no CLI context: the console builds its own bus, and its own secret store on that bus, so
a keyring warning shows in the console instead of on a stderr hidden behind the screen.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tokenlab.core.errors import UsageError
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore

NO_TERMINAL = (
    "the console needs a terminal (stdin and stdout are not one): "
    "run tokenlab in a terminal, or a command such as tokenlab token"
)


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed or detached stream
        return False


def require_terminal(stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Refuse, in one line, to draw a screen where nobody can see it or type into it."""
    if not (_is_terminal(stdin or sys.stdin) and _is_terminal(stdout or sys.stdout)):
        # One line on stderr (the CLI prints a hint on a line of its own): what to do is
        # part of the message.
        raise UsageError(NO_TERMINAL)


def run_console(
    profiles: ProfileStore,
    secrets: SecretStore,
    *,
    title: str = "",
    sandbox_url: str = "",
    demo_sign_in: str = "",
    use_keyring: bool = True,
) -> int:
    """Run the console until the user quits; its exit code.

    `secrets` gives the environment and redactor (`use_keyring=False`: the demo's); the console's own store publishes on the
    console's bus. `demo_sign_in` (the sandbox's public demo account) is shown in a banner."""
    require_terminal()
    from tokenlab.core.events import Bus
    from tokenlab.ui.app import make_app

    bus = Bus()
    own = SecretStore(
        bus=bus,
        run_id="console",
        env=secrets.env,
        redactor=secrets.redactor,
        use_keyring=use_keyring,
    )
    # the store's notices (a profiles directory made private) show in the console, not on a
    # stderr hidden behind the screen
    app = make_app(
        profiles.with_bus(bus),
        own,
        bus=bus,
        sandbox_url=sandbox_url,
        title=title,
        demo_sign_in=demo_sign_in,
    )
    app.run()
    return app.return_code or 0

"""Make the README's screenshots from the real console against the embedded sandbox.

Run: python scripts/screenshots.py [OUT_DIR]  (default: screenshots/). Each pane at 100x32, and
the main screen at 80x24 as a user over SSH sees it, after real key presses.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# file: (size, profile, keys pressed, what it shows)
SHOTS: dict[str, tuple[tuple[int, int], str, tuple[str, ...], str]] = {
    "console-main.svg": ((80, 24), "demo-service-app", ("2", "r"), "the main screen at 80x24"),
    "console-authority.svg": ((100, 32), "demo-service-app", ("1",), "the authority checked"),
    "console-flow.svg": (
        (100, 32),
        "demo-spa",
        ("2", "f", "f", "r"),  # from "code, by loopback" to "code, by device", and run
        "a device code sign-in waiting",
    ),
    "console-token.svg": ((100, 32), "demo-service-app", ("2", "r", "3"), "a token's checks"),
    "console-probe.svg": ((100, 32), "demo-api-forbidden", ("4", "s"), "a 403 explained"),
    "console-doctor.svg": ((100, 32), "demo-scope-not-allowed", ("5", "d"), "the checklist"),
    "console-profiles.svg": ((100, 32), "demo-service-app", ("6",), "the profiles"),
    "console-watch.svg": (
        (100, 32),
        "demo-api-flaky-node",
        ("7", "i", "i", "i", "i", "s"),  # the interval from 30 s to 2 s, and start
        "an intermittent 401 found",
    ),
    "console-fleet.svg": ((100, 32), "demo-service-app", ("8", "r"), "every profile at once"),
}
DEMO_SIGN_IN = "user demo / password demo-password"  # the sandbox's public demo account


async def shoot(out_dir: Path) -> list[Path]:
    from tokenlab.commands.demo_cmd import write_demo_profiles
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.core.secrets import SecretStore
    from tokenlab.sandbox import Sandbox
    from tokenlab.ui.app import make_app
    from tokenlab.ui.messages import UserActionNeeded

    written = []
    with tempfile.TemporaryDirectory() as config, Sandbox.running_in_thread(port=0) as sandbox:
        store = ProfileStore(Path(config))
        write_demo_profiles(store, sandbox.url)
        for filename, (size, profile, keys, _) in SHOTS.items():
            app = make_app(
                store,
                SecretStore(env={}),
                sandbox_url=sandbox.url,
                title="demo",
                demo_sign_in=DEMO_SIGN_IN,
            )
            asked: list[object] = []

            def keep(message: object, asked: list[object] = asked) -> None:
                if isinstance(message, UserActionNeeded):
                    asked.append(message)

            async with app.run_test(size=size, message_hook=keep) as pilot:
                app.main.activate(profile)
                await pilot.pause(0.3)
                await pilot.press(*keys)
                for _ in range(100):  # until the runs are done, or one waits for a person
                    if asked or not [w for w in app.workers if w.is_running]:
                        break
                    await pilot.pause(0.05)
                await pilot.pause(0.3)
                app.save_screenshot(filename=filename, path=str(out_dir))
                written.append(out_dir / filename)
    return written


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TOKENLAB_CONFIG_DIR", tempfile.mkdtemp())
    os.environ.setdefault("TOKENLAB_DATA_DIR", tempfile.mkdtemp())  # no state file of yours
    for path in asyncio.run(shoot(out)):
        print(path)


if __name__ == "__main__":
    main()

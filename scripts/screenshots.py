"""Make the README's screenshots from the real console against the embedded sandbox.

Run: python scripts/screenshots.py [OUT_DIR]  (default: screenshots/). Each SVG is the console at
80x24, as a user over SSH sees it, after real key presses.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = {
    "console-doctor.svg": ("demo-service-app", "d"),
    "console-scope-not-allowed.svg": ("demo-scope-not-allowed", "t"),
}


async def shoot(out_dir: Path) -> list[Path]:
    from textual.widgets import DataTable

    from tokenlab.commands.demo_cmd import write_demo_profiles
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.core.secrets import SecretStore
    from tokenlab.sandbox import Sandbox
    from tokenlab.ui.app import make_app

    written = []
    with tempfile.TemporaryDirectory() as config, Sandbox.running_in_thread(port=0) as sandbox:
        store = ProfileStore(Path(config))
        write_demo_profiles(store, sandbox.url)
        for filename, (profile, key) in SHOTS.items():
            app = make_app(store, SecretStore(env={}), sandbox_url=sandbox.url, title="demo")
            async with app.run_test(size=(80, 24)) as pilot:
                table = app.query_one(DataTable)
                table.move_cursor(row=table.get_row_index(profile))
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
                path = out_dir / filename
                app.save_screenshot(filename=filename, path=str(out_dir))
                written.append(path)
    return written


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TOKENLAB_CONFIG_DIR", tempfile.mkdtemp())
    for path in asyncio.run(shoot(out)):
        print(path)


if __name__ == "__main__":
    main()

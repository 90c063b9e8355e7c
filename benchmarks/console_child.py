"""The console benchmarks' child processes: one measurement each, printed on stdout.

    python benchmarks/console_child.py first-screen tokenlab|baseline
    python benchmarks/console_child.py first-frame tokenlab|baseline   # time.monotonic() of it
    python benchmarks/console_child.py latency --rounds N --presses N   # JSON on stdout
    python benchmarks/console_child.py rss tokenlab|baseline            # peak RSS in KiB

`tokenlab` is the console as `run_console` builds it (`make_app`), headless in
`App.run_test(size=(80, 24))`; `baseline` is the least a Textual console with tabs is: an app
with a four-tab `TabbedContent` (a Static in each pane, keys 1..4 switch tabs), run the same way.
Profiles and state live in TOKENLAB_CONFIG_DIR / TOKENLAB_DATA_DIR, which `console.py` sets to
throw-away directories. Every wait is bounded: a child that cannot get there exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tokenlab, installed or not

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent, TabPane

SIZE = (80, 24)
SLOW_SECONDS = 2.0  # the slow server answers the token request after this long
PRESS_WINDOW = 1.8  # presses stop this long after the token request arrived: all while it waits


class FourTabs(App[None]):
    """The baseline: a minimal Textual app with four tabs, keys 1..4 switching them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(i), f"show_tab('tab-{i}')", f"Tab {i}") for i in range(1, 5)
    ]

    def compose(self) -> ComposeResult:
        with TabbedContent():
            for i in range(1, 5):
                with TabPane(f"{i} Tab {i}", id=f"tab-{i}"):
                    yield Static(f"pane {i}")

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab


async def until(pilot: Pilot[Any], done: Callable[[], object], seconds: float, what: str) -> None:
    """Poll the app (each poll lets it process its messages) until `done`, at most `seconds`."""
    deadline = time.perf_counter() + seconds
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}")
        await pilot.pause(0.05)


def idle(app: App[Any]) -> bool:
    return not any(w.is_running or w.state.name == "PENDING" for w in app.workers)


def tokenlab_app(secrets: Any = None, sandbox_url: str = "") -> Any:
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.ui.app import make_app

    return make_app(ProfileStore(), secrets, sandbox_url=sandbox_url)


# --- 1. time to the first drawn screen (the parent times the whole process) ----------------------


async def first_screen(which: str) -> None:
    app = tokenlab_app() if which == "tokenlab" else FourTabs()  # as run_console builds it
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the first screen is composed, mounted and drawn


async def first_frame(which: str) -> None:
    """Print the `time.monotonic()` at which the first screen's first frame is drawn (the
    first one with every widget of the screen mounted), and end the process there: what comes
    after it (checks started once it is drawn, exiting) is not part of the time to the first
    screen."""
    from textual.screen import Screen

    draw = Screen._compositor_refresh

    def drawn(screen: Screen[Any]) -> None:
        draw(screen)
        whole = all(w.is_mounted for w in screen.walk_children(with_self=True))
        if screen is screen.app.screen and screen.size.area and whole:
            os.write(1, f"{time.monotonic()}\n".encode())  # past Textual's hold on print()
            os._exit(0)

    Screen._compositor_refresh = drawn  # type: ignore[method-assign]
    app = tokenlab_app() if which == "tokenlab" else FourTabs()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    raise SystemExit("no frame was drawn")


# --- 2. key-press to screen latency while a flow waits on a slow server -------------------------


class SlowAuthority:
    """A stdlib HTTP server on 127.0.0.1: discovery and keys at once, the token endpoint after
    `SLOW_SECONDS` (with a 400: the presses happen while it waits, the answer does not matter)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.requested_at = 0.0
        self.answered_at = 0.0
        self.session = 0  # which console session the requests belong to
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the console quit while the server waited

            def do_GET(self) -> None:
                base = owner.url
                if self.path == "/id/.well-known/openid-configuration":
                    self._send(
                        200,
                        {
                            "issuer": f"{base}/id",
                            "token_endpoint": f"{base}/id/connect/token",
                            "jwks_uri": f"{base}/id/.well-known/openid-configuration/jwks",
                            "grant_types_supported": ["client_credentials"],
                            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                        },
                    )
                elif self.path == "/id/.well-known/openid-configuration/jwks":
                    self._send(200, {"keys": []})
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                session = owner.session
                owner.requested_at = time.perf_counter()
                owner.requested.set()
                time.sleep(SLOW_SECONDS)
                if session == owner.session:  # an earlier session's answer says nothing of this one
                    owner.answered_at = time.perf_counter()
                self._send(400, {"error": "invalid_request", "error_description": "slow bench"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[SlowAuthority]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        self.session += 1
        self.requested.clear()
        self.requested_at = self.answered_at = 0.0


async def _drained(app: App[Any]) -> None:
    """Wait until every message queued in the app and its screen is handled, the one in hand
    included, by looking at the queues. Pilot's `_wait_for_screen` posts a callback to every
    widget and waits for all of them: a cost that grows with the number of widgets (2 ms a
    wait at the console's 160) and that no key press pays in use."""
    quiet = 0
    for _ in range(100_000):
        await asyncio.sleep(0)
        nodes = [app, *app.screen.walk_children(with_self=True)]
        busy = any(not n._message_queue.empty() or n._next_callbacks for n in nodes)
        quiet = 0 if busy else quiet + 1
        if quiet == 3:  # three turns of the loop with nothing queued anywhere
            return
    raise SystemExit("the app's queues never drained")


async def _press(pilot: Pilot[Any], key: str, tab: str) -> tuple[float, float]:
    """One key, timed from its delivery to the screen drawn with the tab it shows.

    As `pilot.press` and `pilot.pause` do, without their `wait_for_idle` sleeps: those wait
    until the process's CPU time stops advancing (20 ms at least, each), which measures the
    pilot, and never ends while a busy spinner ticks. Instead: the key event on the app's queue, the
    queues drained (see `_drained`), the screen's update (its draw)."""
    app = pilot.app
    tabs = app.screen.query_one(TabbedContent)
    start = time.perf_counter()
    app.post_message(events.Key(key, key))  # on the app's queue now, as the driver's thread puts it
    for _ in range(200):
        await _drained(app)  # every queued message handled
        if tabs.active == tab:
            break
    else:
        raise SystemExit(f"key {key} never showed {tab}")
    await _drained(app)  # what showing the tab posted
    app.screen._on_timer_update()  # the draw, as pilot.pause ends
    return start, time.perf_counter()


async def tokenlab_presses(server: SlowAuthority, presses: int) -> list[float]:
    from tokenlab.core.profiles import ProfileStore, new_profile
    from tokenlab.core.secrets import SecretKind, SecretStore
    from tokenlab.ui.screens.main import PANE_NAMES

    name = "bench-slow-service"
    profile = new_profile(
        name,
        server.url,
        "service-app",
        client_id="bench",
        authority_url=f"{server.url}/id",
        api_url=f"{server.url}/api/",
    )
    ProfileStore().save(profile)
    secrets = SecretStore(env={})
    secrets.remember(name, SecretKind.CLIENT_SECRET, "x")
    server.reset()
    app = tokenlab_app(secrets)
    times: list[tuple[float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        app.main.activate(name)
        await until(pilot, lambda: idle(app), 10, "the authority check")
        await pilot.press("2", "r")
        await until(pilot, server.requested.is_set, 10, "the token request")
        for i in range(presses):
            if time.perf_counter() - server.requested_at > PRESS_WINDOW:
                break
            key = str(i % 5 + 1)
            times.append(await _press(pilot, key, f"tab-{PANE_NAMES[int(key) - 1]}"))
    answered = server.answered_at or float("inf")
    return [end - start for start, end in times if end < answered]  # only while it waited


async def baseline_presses(presses: int) -> list[float]:
    app = FourTabs()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        times = [await _press(pilot, str(i % 4 + 1), f"tab-{i % 4 + 1}") for i in range(presses)]
    return [end - start for start, end in times]


async def latency(rounds: int, presses: int) -> dict[str, list[float]]:
    """Every press's latency, sessions of both apps interleaved (the order flips each round),
    after one warm-up session of each."""
    times: dict[str, list[float]] = {"tokenlab": [], "baseline": []}
    with SlowAuthority().running() as server:
        runs: dict[str, Callable[[], Any]] = {
            "tokenlab": lambda: tokenlab_presses(server, presses),
            "baseline": lambda: baseline_presses(presses),
        }
        for name in runs:
            await runs[name]()
        for i in range(rounds):
            for name in list(runs) if i % 2 == 0 else reversed(list(runs)):
                gc.collect()  # one session's garbage is not collected in the next one's presses
                times[name] += await runs[name]()
    return times


# --- 3. peak RSS after every pane has been used -------------------------------------------------


async def tokenlab_every_pane() -> None:
    from tokenlab.commands.demo_cmd import write_demo_profiles
    from tokenlab.core.profiles import ProfileStore
    from tokenlab.core.secrets import SecretStore
    from tokenlab.sandbox import Sandbox

    with Sandbox.running_in_thread(port=0) as sandbox:
        write_demo_profiles(ProfileStore(), sandbox.url)
        app = tokenlab_app(SecretStore(env={}), sandbox.url)
        async with app.run_test(size=SIZE) as pilot:
            main = app.main
            main.activate("demo-service-app")
            await pilot.press("1")  # Authority: the check of the selected profile
            await until(pilot, lambda: idle(app), 15, "the authority check")
            await pilot.press("2", "r")  # Flow: client credentials until the token shows
            await until(pilot, lambda: main.result is not None, 15, "the token")
            await pilot.press("3")  # Token
            await until(pilot, lambda: idle(app), 15, "the token pane")
            await pilot.press("4", "s")  # Probe: send
            await pilot.pause()
            await until(pilot, lambda: idle(app), 15, "the probe")
            await pilot.press("5", "d")  # Doctor: run until it finishes
            await until(pilot, lambda: main.doctor_run is not None, 30, "the doctor")
            await pilot.press("6")  # Profiles
            await pilot.pause()


async def baseline_every_pane() -> None:
    app = FourTabs()
    async with app.run_test(size=SIZE) as pilot:
        for key in "1234":
            await pilot.press(key)
            await pilot.pause()


def peak_rss_kib() -> int:
    """This process's peak RSS in KiB: VmHWM where /proc has it, since Linux folds the peak of
    the memory a process had before `execve` into its ru_maxrss, and subprocess's vfork lends
    the child the parent's (the whole benchmark run's); else ru_maxrss (KiB on Linux)."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("figure", choices=("first-screen", "first-frame", "latency", "rss"))
    parser.add_argument("which", nargs="?", choices=("tokenlab", "baseline"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args(argv)
    if args.figure == "first-screen":
        asyncio.run(first_screen(args.which))
    elif args.figure == "first-frame":
        asyncio.run(first_frame(args.which))
    elif args.figure == "latency":
        print(json.dumps(asyncio.run(latency(args.rounds, args.presses))))
    else:
        asyncio.run(tokenlab_every_pane() if args.which == "tokenlab" else baseline_every_pane())
        print(peak_rss_kib())
    return 0


if __name__ == "__main__":
    sys.exit(main())

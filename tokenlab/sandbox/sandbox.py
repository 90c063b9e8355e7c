"""The sandbox instance: both identity services and the Domain API on one local port."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from . import pages
from .api import DomainApi, InstanceSite, LoadBalancedApi
from .api_nodes import CASE_NODES, FLAKY_NODES
from .authority import Authority
from .catalog import demo_catalog
from .config import Clock, Settings
from .identity import IdentityService
from .keys import SigningKey
from .odata import TRUSTED_APPS, EntitySets
from .registrations import (
    ADMIN_USER,
    DEMO_USER,
    DEVICE_APP,
    ReferenceToken,
    TrustedApplication,
    default_apps,
    default_denials,
    default_reference_tokens,
    global_apps,
    registration_row,
)
from .server import HttpServer, Request, Response, Router, html_response


class Sandbox:
    """A local stand-in for a platform instance. ``apps=None`` means the demo registrations."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        apps: list[TrustedApplication] | None = None,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
    ) -> None:
        began = time.perf_counter()
        self.host = host
        self.port = port
        self.settings = settings or Settings()
        self.clock = clock or Clock()
        users = {DEMO_USER.username: DEMO_USER}
        registered = default_apps() if apps is None else list(apps)
        self.instance = Authority(
            "/id",
            SigningKey(),
            {app.client_id: app for app in registered},
            users,
            self.settings,
            self.clock,
        )
        self.instance.reference_tokens = {r.token: r for r in default_reference_tokens()}
        # Nearly every session needs the instance key: make it now, so the first request is
        # quick and the start figure honest. The global authority's key waits for first use.
        self.instance.key.generate()
        self.global_authority = Authority(
            "/global/id",
            SigningKey(),
            {app.client_id: app for app in global_apps()},
            users,
            self.settings,
            self.clock,
        )
        self.data = EntitySets(
            default_denials(),
            registrations=self._registration_rows,
            readers={TRUSTED_APPS: frozenset({ADMIN_USER})},
        )
        self.api = DomainApi(self.instance, self.data)
        # The misconfigured API servers; their old key set is made on first use only.
        stale_key = SigningKey()
        self.case_apis = {
            node.case: DomainApi(self.instance, self.data, node, stale_key) for node in CASE_NODES
        }
        self.flaky_api = LoadBalancedApi(
            [DomainApi(self.instance, self.data, node, stale_key) for node in FLAKY_NODES]
        )
        site = InstanceSite(self.instance)
        router = Router()
        router.include(IdentityService(self.instance).routes())
        router.include(IdentityService(self.global_authority).routes())
        router.include(site.routes())
        for prefix, handler in site.prefix_routes():
            router.add_prefix(prefix, handler)
        for api in (self.api, *self.case_apis.values()):
            router.add_prefix(api.node.prefix, api.odata)
        router.add_prefix(self.flaky_api.prefix, self.flaky_api.odata)
        router.add("/", self._home)
        self.errors: list[BaseException] = []  # handler crashes, for tests to assert on
        self._http = HttpServer(router, clock=self.clock, on_error=self.errors.append)
        self.url = ""
        self.init_seconds = time.perf_counter() - began
        self.start_seconds = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        began = time.perf_counter()
        await self._http.start(self.host, self.port)
        self.port = self._http.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"
        self.instance.base_url = self.url
        self.global_authority.base_url = self.url
        self.start_seconds = time.perf_counter() - began

    async def stop(self) -> None:
        await self._http.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @classmethod
    @contextlib.contextmanager
    def running_in_thread(
        cls,
        host: str = "127.0.0.1",
        port: int = 0,
        apps: list[TrustedApplication] | None = None,
        **kwargs: Any,
    ) -> Iterator[Sandbox]:
        """Serve from a background thread with its own event loop (CLI and sync tests)."""
        sandbox = cls(host, port, apps, **kwargs)
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(sandbox.start())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        thread = threading.Thread(target=run, name="tokenlab-sandbox", daemon=True)
        thread.start()
        started.wait()
        if failure:
            raise failure[0]
        try:
            yield sandbox
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(sandbox.stop(), loop).result(5)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)

    # -- registrations -------------------------------------------------------------------------

    @property
    def apps(self) -> dict[str, TrustedApplication]:
        return self.instance.apps

    def _registration_rows(self) -> list[dict[str, Any]]:
        """The instance's Trusted Applications as its Domain API shows them."""
        return [
            registration_row(
                app, str(uuid.uuid5(uuid.NAMESPACE_URL, f"trusted-app-{app.client_id}"))
            )
            for app in self.instance.apps.values()
        ]

    def register(self, app: TrustedApplication) -> TrustedApplication:
        """Add or replace a Trusted Application on the instance identity service."""
        self.instance.apps[app.client_id] = app
        return app

    def add_reference_token(
        self,
        owner: str = DEMO_USER.username,
        scopes: tuple[str, ...] = ("read", "update"),
        *,
        ttl: float | None = None,
    ) -> ReferenceToken:
        """A fresh ``enrt_...`` reference token (tests revoke their own, not the demo one)."""
        expires = None if ttl is None else self.clock() + ttl
        ref = ReferenceToken(
            f"enrt_{secrets.token_urlsafe(24)}", owner, scopes=scopes, expires_at=expires
        )
        self.instance.reference_tokens[ref.token] = ref
        return ref

    @property
    def startup_seconds(self) -> float:
        return self.init_seconds + self.start_seconds

    async def _home(self, request: Request) -> Response:
        profiles = [(p.name, p.description) for p in demo_catalog(self.url)]
        return html_response(pages.home(self.url, profiles))


def banner(sandbox: Sandbox) -> str:
    url = sandbox.url
    lines = [
        f"tokenlab sandbox instance at {url}",
        f"  identity service  {url}/id   (global authority: {url}/global/id)",
        f"  Domain API        {url}/api/domain/odata/",
        f"  API case servers  {url}/cases/{{case}}/api/domain/odata/   (the demo-api-* clients)",
        f"  started in {sandbox.startup_seconds * 1000:.0f} ms",
        "",
        "Everything below is a public demo value, not a real credential.",
        f"  demo user         username {DEMO_USER.username!r}, password {DEMO_USER.password!r}",
        f"  device client     {DEVICE_APP} (public, device flow)",
        "",
        "Demo clients:",
    ]
    for p in demo_catalog(url):
        lines.append(f"  {p.name:<24} {p.scenario:<12} {p.client_id or '(reference token)'}")
        details = [f"auth {p.auth_method}"]
        if p.public_secret:
            details.append(f"secret {p.public_secret!r}")
        if p.reference_token:
            details.append(f"token {p.reference_token}")
        if p.authority:
            details.append(f"authority {p.authority}")
        if p.api_url:
            details.append(f"api {p.api_url}")
        if p.probe_path:
            details.append(f"probe {p.probe_path}")
        details.append(f"expect {p.expected_error}" if p.expected_error else "works")
        lines.append(f"  {'':<24} {', '.join(details)}")
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines) + "\n"


def _report_to_stderr(errors: list[BaseException]) -> Callable[[BaseException], None]:
    def report(exc: BaseException) -> None:
        errors.append(exc)
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        line = f" at {where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else ""
        print(f"sandbox: internal error {type(exc).__name__}{line}", file=sys.stderr)

    return report


def serve_forever(port: int = 0, out: TextIO = sys.stdout, host: str = "127.0.0.1") -> None:
    """``tokenlab sandbox``: print the URL and demo clients, serve until Ctrl-C or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        async with Sandbox(host, port) as sandbox:
            sandbox._http.on_error = _report_to_stderr(sandbox.errors)
            out.write(banner(sandbox))
            out.flush()
            await stop.wait()
        out.write("sandbox stopped\n")
        out.flush()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

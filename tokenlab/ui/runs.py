"""Worker bodies: call the core for one run and hand back what it returned, as a message.

Live progress reaches the console over the run's bus (through the bridge); only the finished
result comes back from here. No widget is touched: the main screen runs these in exclusive
workers, one group per pane, and posts what they return.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from tokenlab.core.authority import AuthorityCache, inspect_authority
from tokenlab.core.flow_options import Finish, FlowOptions
from tokenlab.ui.messages import (
    AuthorityChecked,
    DoctorFinished,
    ProbeAnswered,
    RepeatAnswered,
    TokenChecked,
    TokenReady,
    WhatIfAnswered,
)

if TYPE_CHECKING:
    import httpx

    from tokenlab.core.events import Bus
    from tokenlab.core.inspection.token_report import TokenReport
    from tokenlab.core.profiles import Profile
    from tokenlab.core.secrets import SecretStore
    from tokenlab.core.token_set import TokenSet

FRESH_ENOUGH_S = 30.0  # a token with less time left is replaced before a probe


class PasteInbox:
    """A `PasteSource`: the flow waits for the next text the Flow pane submits.

    The wait is a future on the app's loop; cancelling the run cancels the wait with it."""

    def __init__(self) -> None:
        self._waiting: asyncio.Future[str] | None = None

    @property
    def waiting(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    async def __call__(self, prompt: str) -> str:
        self._waiting = asyncio.get_running_loop().create_future()
        try:
            return await self._waiting
        finally:
            self._waiting = None

    def submit(self, text: str) -> bool:
        """Hand `text` to the waiting flow; False when no flow waits for one."""
        if self._waiting is None or self._waiting.done():
            return False
        self._waiting.set_result(text)
        return True


def has_display() -> bool:
    """Can a browser open here? The core's table: not over SSH, not in a container, and not
    without a graphical session."""
    from tokenlab.core.browser import why_no_browser

    return why_no_browser() is None


def flow_options(
    finish: str | None, paste: PasteInbox | None, *, refresh_token: str | None = None
) -> FlowOptions:
    chosen: Finish | None = finish if finish in ("loopback", "paste", "device") else None  # type: ignore[assignment]
    return FlowOptions(
        finish=chosen, paste=paste, open_browser=has_display(), refresh_token=refresh_token
    )


def _client(profile: Profile, secrets: SecretStore, bus: Bus | None) -> httpx.AsyncClient:
    from tokenlab.core.http import HttpOptions, build_client  # lazy: httpx loads on the first run

    return build_client(HttpOptions.from_profile(profile), bus=bus, redactor=secrets.redactor)


async def check_authority(
    profile: Profile, *, secrets: SecretStore, cache: AuthorityCache
) -> AuthorityChecked:
    async with _client(profile, secrets, None) as client:
        report = await inspect_authority(
            client, profile.authority, cache=cache, allow_insecure=profile.allow_insecure
        )
    return AuthorityChecked(profile, report)


async def get_token(
    profile: Profile,
    *,
    secrets: SecretStore,
    bus: Bus,
    cache: AuthorityCache,
    flow: str | None = None,
    options: FlowOptions | None = None,
) -> TokenReady:
    """Run a flow; raises the core's `TokenlabError` when it fails."""
    from tokenlab.core.flows.runner import run_flow

    result = await run_flow(
        profile, secrets=secrets, bus=bus, flow=flow or None, options=options, cache=cache
    )
    return TokenReady(profile, result)


def offline_report(
    profile: Profile, token: str, which: str, now: float | None = None
) -> TokenReport:
    """Every check that needs no network, with the profile's expectations, at `now`."""
    from tokenlab.core.inspection.decode import decode_token
    from tokenlab.core.inspection.token_report import check_token

    return check_token(
        decode_token(token),
        expected_issuer=profile.authority,
        client_id=profile.client_id or None,
        token_kind="id" if which == "id" else "access",
        now=now,
    )


async def verify(
    profile: Profile, token: str, which: str, *, secrets: SecretStore, cache: AuthorityCache
) -> TokenChecked:
    """The token's signature with the authority's keys, and the profile's expectations."""
    from tokenlab.core.doctor import check_issued_token
    from tokenlab.core.inspection.decode import decode_token
    from tokenlab.core.inspection.verify import verify_token

    async with _client(profile, secrets, None) as client:
        if which == "id":
            report = await verify_token(
                decode_token(token),
                client=client,
                cache=cache,
                expected_issuer=profile.authority,
                client_id=profile.client_id or None,
                token_kind="id",
            )
        else:
            report = await check_issued_token(client, cache, profile, token)
    return TokenChecked(report, which)


async def _token_for_probe(
    profile: Profile,
    token: TokenSet | None,
    *,
    secrets: SecretStore,
    bus: Bus,
    cache: AuthorityCache,
) -> TokenSet:
    left = token.seconds_left() if token is not None else None
    if token is not None and (left is None or left > FRESH_ENOUGH_S):
        return token
    fresh = await get_token(
        profile, secrets=secrets, bus=bus, cache=cache, options=flow_options(None, None)
    )
    return fresh.result.api_token


async def send_probe(
    profile: Profile,
    token: TokenSet | None,
    request: tuple[str, str, tuple[tuple[str, str], ...]],
    *,
    secrets: SecretStore,
    bus: Bus,
    cache: AuthorityCache,
    count: int = 1,
) -> ProbeAnswered | RepeatAnswered:
    """One probe (or `count` of them) with the current token, or a fresh one when it has none."""
    from tokenlab.core.probing import probe, repeat_probe

    method, path, headers = request
    use = await _token_for_probe(profile, token, secrets=secrets, bus=bus, cache=cache)
    async with _client(profile, secrets, bus) as client:
        if count > 1:
            repeated = await repeat_probe(
                client, profile, use, n=count, method=method, path=path or None,
                headers=dict(headers), redactor=secrets.redactor,
            )  # fmt: skip
            return RepeatAnswered(profile, repeated)
        result = await probe(
            client, profile, use, method=method, path=path or None,
            headers=dict(headers), redactor=secrets.redactor,
        )  # fmt: skip
    return ProbeAnswered(profile, result)


async def replay_what_if(
    profile: Profile,
    token: TokenSet | None,
    request: tuple[str, str, tuple[tuple[str, str], ...]],
    *,
    secrets: SecretStore,
    bus: Bus,
    cache: AuthorityCache,
) -> WhatIfAnswered:
    """The request as edited, then one replay per variation that applies (a new token, when a
    variation needs one, comes from the profile's flow: its trace shows it)."""
    from tokenlab.core.probing.what_if import Call, what_if

    method, path, headers = request
    use = await _token_for_probe(profile, token, secrets=secrets, bus=bus, cache=cache)

    async def issue(changed: Profile) -> TokenSet:
        ready = await get_token(
            changed, secrets=secrets, bus=bus, cache=cache, options=flow_options(None, None)
        )
        return ready.result.api_token

    # the pane's headers are the profile's probe headers as edited: they replace them
    edited = replace(profile, probe=replace(profile.probe, headers=tuple(headers)))
    call = Call(use, method=method, path=path or None)
    async with _client(profile, secrets, bus) as client:
        result = await what_if(client, edited, call, issue=issue, redactor=secrets.redactor)
    return WhatIfAnswered(profile, result)


async def doctor(
    profile: Profile,
    *,
    secrets: SecretStore,
    bus: Bus,
    options: FlowOptions,
    admin: Profile | None = None,
    entity: str = "",
) -> DoctorFinished:
    """`admin`: read the Trusted Application's registration with its token first (the last
    check's administrator), so the causes say what the registration says."""
    from tokenlab.core.doctor import run_doctor

    run = await run_doctor(
        profile,
        secrets=secrets,
        bus=bus,
        options=options,
        admin_profile=admin,
        registration_entity=entity or None,
    )
    return DoctorFinished(profile, run)

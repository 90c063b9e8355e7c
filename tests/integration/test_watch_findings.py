"""Each of watch mode's findings proved end to end: real tokens from the sandbox, real probes of
its API, the watcher's clock and sleep injected. Where the sandbox cannot show a case (its refresh
tokens are opaque, so their expiry is unknown), the token source attaches what a real server
would have sent; the probes still go to the sandbox."""

from __future__ import annotations

import time
from dataclasses import replace

import jwt
import pytest

from tests.support.targets import sandbox_profile
from tests.support.watching import FakeTime
from tokenlab.core.errors import TokenlabError
from tokenlab.core.events import Bus
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.probing import probe_url
from tokenlab.core.profiles import Profile
from tokenlab.core.secrets import SecretStore
from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch import Watcher, WatchSettings, WatchSummary
from tokenlab.core.watch.sources import profile_prober
from tokenlab.sandbox import Sandbox


class NarrowingSource:
    """Client credentials from the sandbox; from the second token on, the application's
    registration allows only `read` (what an administrator narrowing it looks like)."""

    def __init__(self, profile: Profile, store: SecretStore, bus: Bus) -> None:
        self.profile, self.store, self.bus, self.issued = profile, store, bus, 0

    async def issue(self) -> TokenSet:
        self.issued += 1
        profile = self.profile if self.issued == 1 else replace(self.profile, scopes=("read",))
        return (await run_flow(profile, secrets=self.store, bus=self.bus)).api_token

    async def refresh(self, token: TokenSet) -> TokenSet:
        raise AssertionError("client credentials have no refresh token")


class RefreshableSource(NarrowingSource):
    """Real access tokens, with a JWT refresh token that expires `refresh_life_s` after the start
    (a provider that says when its refresh tokens end); a refresh may fail (`refuse`)."""

    def __init__(
        self, *args: object, clock: FakeTime, refresh_life_s: float, refuse: bool = False
    ) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.expires = clock() + refresh_life_s
        self.refuse = refuse

    async def issue(self) -> TokenSet:
        token = (await run_flow(self.profile, secrets=self.store, bus=self.bus)).api_token
        refresh = jwt.encode({"exp": int(self.expires), "jti": "r1"}, "k" * 32, algorithm="HS256")
        return replace(token, refresh_token=refresh)

    async def refresh(self, token: TokenSet) -> TokenSet:
        if self.refuse:
            raise TokenlabError("the token endpoint said invalid_grant: the refresh token expired")
        return await self.issue()


async def watch(
    sandbox: Sandbox, source_of: type[NarrowingSource], count: int, **kw: object
) -> WatchSummary:
    profile, store = sandbox_profile(sandbox, "demo-service-app")
    bus, fake = Bus(), FakeTime()
    settings = {k: v for k, v in kw.items() if k in WatchSettings.__dataclass_fields__}
    extra = {k: v for k, v in kw.items() if k not in settings}
    if extra:
        extra["clock"] = fake
    source = source_of(profile, store, bus, **extra)  # type: ignore[arg-type]
    async with build_client(HttpOptions.from_profile(profile), bus=bus, run_id="w") as client:
        watcher = Watcher(
            profile=profile.name,
            api_url=probe_url(profile),
            source=source,
            send=profile_prober(client, profile, store),
            bus=bus,
            settings=WatchSettings(count=count, **settings),  # type: ignore[arg-type]
            clock=fake,
            sleep=fake.sleep,
        )
        return await watcher.run()


async def test_a_renewal_with_fewer_scopes_is_found(sandbox: Sandbox) -> None:
    summary = await watch(sandbox, NarrowingSource, 3, interval_s=1800, margin_s=1900)
    (finding,) = summary.findings
    assert finding.key == "fewer-scopes" and finding.weight == "failure"
    assert "update lost" in finding.title
    assert finding.evidence[0].endswith("read update") and finding.evidence[1].endswith(": read")
    # reads still work: a quiet loss; the next renewal (read to read) is no new finding
    assert summary.accepted == 3 and len(summary.tokens) == 3


@pytest.mark.slow
async def test_a_refresh_token_about_to_expire_is_warned_ahead(sandbox: Sandbox) -> None:
    # refresh token ends 30.5 h after the start; a probe every 2 h; warned from 24 h ahead
    summary = await watch(
        sandbox, RefreshableSource, 5, interval_s=7200, margin_s=1800, refresh_life_s=30.5 * 3600
    )
    (finding,) = summary.findings
    assert finding.key == "refresh-token-expiring" and finding.weight == "warning"
    assert finding.at - summary.started_at == 4 * 7200  # the first probe within 24 h of its end
    assert "expires at" in finding.evidence[0]
    assert "22 h 29 min" in finding.title  # exp is whole seconds
    assert not summary.failed  # a warning alone does not fail the watch


async def test_a_refused_refresh_is_a_finding_and_the_old_token_is_kept(sandbox: Sandbox) -> None:
    summary = await watch(
        sandbox, RefreshableSource, 3, interval_s=1800, margin_s=1900,
        refresh_life_s=90 * 86400, refuse=True,
    )  # fmt: skip
    (finding,) = summary.findings
    assert finding.key == "renewal-failed" and "invalid_grant" in finding.evidence[0]
    assert summary.failed and len(summary.tokens) == 1 and summary.probes == 3


def test_fake_time_really_moves_only_by_sleeping() -> None:
    fake = FakeTime()
    before = fake()
    assert abs(before - time.time()) < 5

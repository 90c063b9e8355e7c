"""Watch mode against the sandbox: the flaky node's intermittent 401 found, with its evidence.

`demo-api-flaky-node` serves one API URL from two nodes in turn; the second has the key set from
before a rotation and a clock 90 s ahead. The watcher's clock and sleep are injected (no waits).
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.targets import sandbox_profile
from tests.support.watching import watch_for
from tokenlab.core.events import Event
from tokenlab.core.watch import (
    Watcher,
    WatchFinding,
    WatchSettings,
    WatchStarted,
    WatchStopped,
    WatchTick,
)
from tokenlab.sandbox import Sandbox


async def _watch(
    sandbox: Sandbox, name: str, count: int, **settings: float
) -> tuple[Watcher, list[Event]]:
    profile, store = sandbox_profile(sandbox, name)
    return await watch_for(profile, store, WatchSettings(count=count, **settings))


def test_the_flaky_node_serves_one_url_from_two_nodes_in_turn(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    from tests.integration.test_sandbox_api_cases import call, demo, token_of

    d = demo(sandbox, "demo-api-flaky-node")
    token = token_of(http, sandbox, d)
    answers = [call(http, sandbox, d, token) for _ in range(4)]
    nodes = [a.headers["x-served-by"] for a in answers]
    assert sorted(nodes[:2]) == ["node-1", "node-2"] and nodes[2:] == nodes[:2]
    refused = [a for a in answers if a.status_code == 401]
    assert len(refused) == 2 and all(a.headers["x-served-by"] == "node-2" for a in refused)
    assert "signature key was not found" in refused[0].headers["www-authenticate"]


async def test_watch_finds_the_intermittent_401_with_date_and_kid(sandbox: Sandbox) -> None:
    watcher, events = await _watch(sandbox, "demo-api-flaky-node", count=4, interval_s=30)
    kinds = [type(e) for e in events]
    assert kinds[0] is WatchStarted and kinds[-1] is WatchStopped
    assert kinds.count(WatchTick) == 4 and kinds.count(WatchFinding) == 2
    probes = watcher.timeline.probes
    assert [p.ok for p in probes].count(True) == 2
    assert len({p.token.token_id for p in probes}) == 1  # one token throughout
    findings = {f.key: f for f in watcher.timeline.findings}
    assert set(findings) == {"intermittent-401", "rejected-before-exp"}
    flaky = findings["intermittent-401"]
    text = "\n".join(flaky.evidence)
    kid = probes[0].token.kid
    assert kid and f"kid {kid}" in text  # which key the refusing node did not know
    assert "x-served-by: node-2" in text and "Date " in text
    assert "ahead of this machine's clock" in text  # node-2's own clock, from its Date header
    assert "signature key was not found" in text
    assert "key rotation" in flaky.explanation
    summary = watcher.summary()
    assert summary.failed and summary.probes == 4 and summary.statuses == {"200": 2, "401": 2}


async def test_watch_of_a_healthy_api_finds_nothing(sandbox: Sandbox) -> None:
    watcher, _ = await _watch(sandbox, "demo-service-app", count=3, interval_s=600)
    assert [p.status for p in watcher.timeline.probes] == [200, 200, 200]
    assert watcher.timeline.findings == []
    assert not watcher.summary().failed


async def test_watch_renews_the_token_before_it_expires(sandbox: Sandbox) -> None:
    # 3600 s tokens, a probe every 20 min, renewal 25 min ahead: the 3rd probe gets a new token
    watcher, _ = await _watch(sandbox, "demo-service-app", count=4, interval_s=1200, margin_s=1500)
    probes = watcher.timeline.probes
    assert all(p.ok for p in probes)
    assert len({p.token.token_id for p in probes}) == 2
    renewals = [r.how for r in watcher.timeline.renewals]
    assert renewals == ["issued", "re-issued"]  # client credentials: no refresh token
    assert watcher.timeline.renewals[1].seconds_left_before is not None
    assert watcher.timeline.renewals[1].seconds_left_before <= 1500


@pytest.mark.slow
async def test_a_signed_in_web_app_is_watched_unattended_by_refreshing(sandbox: Sandbox) -> None:
    """After a sign-in (its refresh token stored), the watch starts by refreshing and refreshes
    again before expiry: rotation included, no person needed."""
    from tests.integration.test_flow_refresh import sandbox_target
    from tokenlab.core.secrets import SecretKind

    target = sandbox_target(sandbox)
    target.secrets.remember(target.profile.name, SecretKind.REFRESH_TOKEN, target.sign_in())
    settings = WatchSettings(count=3, interval_s=1800, margin_s=1900)
    watcher, _ = await watch_for(target.profile, target.secrets, settings)
    summary = watcher.summary()
    renewals = watcher.timeline.renewals
    assert [r.how for r in renewals] == ["issued", "refreshed", "refreshed"]
    assert all(r.after is not None and r.after.has_refresh_token for r in renewals)
    assert summary.accepted == 3 and len(summary.tokens) == 3 and not summary.findings
    probes = watcher.timeline.probes
    # the sign-in session, from auth_time: the same session through every refresh
    assert len({p.token.signed_in_at for p in probes}) == 1
    age = probes[-1].session_age_s
    assert age is not None and 3600 <= age < 3600 + 60

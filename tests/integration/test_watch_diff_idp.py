"""Watch mode and the token diff against the test provider (npm oidc-provider), not only the
sandbox: a healthy API watched across a token's life (renewed before expiry, every probe 200,
no finding), and two of its tokens compared claim by claim."""

from __future__ import annotations

import time

import pytest

from tests.idp.fixtures import TestProvider
from tests.support.targets import idp_profile
from tests.support.watching import watch_for
from tokenlab.core.events import Bus
from tokenlab.core.inspection.compare import diff_tokens
from tokenlab.core.inspection.decode import decode_token
from tokenlab.core.watch import (
    WatchFinding,
    WatchRenewed,
    WatchSettings,
    WatchTick,
)
from tokenlab.core.watch.sources import ProfileTokenSource

pytestmark = pytest.mark.idp


async def test_watching_the_providers_api_renews_the_token_before_expiry(
    idp: TestProvider,
) -> None:
    profile, store = idp_profile(idp, "service_basic")
    settings = WatchSettings(interval_s=1500, count=4, margin_s=300)
    _, events = await watch_for(profile, store, settings)
    ticks = [e.record for e in events if isinstance(e, WatchTick)]
    renewals = [e.record for e in events if isinstance(e, WatchRenewed)]
    assert [t.status for t in ticks] == [200, 200, 200, 200]
    # the provider's tokens live an hour: at 0 s issued, at 3000 s (under 300 s + an interval
    # left at the next probe) issued again, so the third and fourth probes use a new token
    assert len(renewals) >= 2 and all(r.error == "" for r in renewals)
    assert ticks[0].token.token_id != ticks[-1].token.token_id
    assert all(t.seconds_left is None or t.seconds_left > 0 for t in ticks)
    assert not [e for e in events if isinstance(e, WatchFinding)]


async def test_two_tokens_of_the_provider_differ_only_in_what_every_new_token_changes(
    idp: TestProvider,
) -> None:
    profile, store = idp_profile(idp, "service_basic")
    source = ProfileTokenSource(profile, store, Bus())
    first = await source.issue()
    time.sleep(1.1)  # the provider's times have one-second resolution
    second = await source.issue()
    diff = diff_tokens(decode_token(first.access_token), decode_token(second.access_token))
    assert diff.comparable and not diff.same
    changed = {d.name for d in diff.diffs}
    assert {"jti", "iat", "exp"} <= changed
    assert dict(diff.time_deltas)["exp"] >= 1
    assert diff.scopes_added == () and diff.scopes_removed == ()
    assert diff.findings == ()  # nothing a person must look at: the same client, scopes, keys

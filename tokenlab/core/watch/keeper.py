"""Keep a token fresh: get one, and renew it when less than the margin is left.

Renewal refreshes when the token came with a refresh token, else issues a new one by the
profile's flow (client credentials for an unattended job). A reference token (no expiry) is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from tokenlab.core.errors import TokenlabError
from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch.facts import token_facts
from tokenlab.core.watch.records import Renewal, RenewRecord


class TokenSource(Protocol):
    """Where tokens come from: the profile's flow (``sources.py``), or a script in tests."""

    async def issue(self) -> TokenSet: ...

    async def refresh(self, token: TokenSet) -> TokenSet: ...


class TokenKeeper:
    def __init__(self, source: TokenSource, margin_s: float, clock: Callable[[], float]) -> None:
        self.source = source
        self.margin_s = margin_s
        self.clock = clock
        self.current: TokenSet | None = None

    def due(self, now: float) -> bool:
        if self.current is None:
            return True
        left = self.current.seconds_left(now)
        return left is not None and left <= self.margin_s

    async def fresh(self) -> RenewRecord | None:
        """Renew the token if it is due; the record of what happened, None when nothing was due.

        The first token's failure is raised (there is nothing to watch without one); a later
        renewal's failure is recorded and the old token is kept."""
        now = self.clock()
        if not self.due(now):
            return None
        current = self.current
        how: Renewal = (
            "issued" if current is None else "refreshed" if current.refresh_token else "re-issued"
        )
        before = token_facts(current) if current else None
        try:
            token = await (
                self.source.refresh(current)
                if current is not None and how == "refreshed"
                else self.source.issue()
            )
        except TokenlabError as exc:
            if current is None:
                raise
            return RenewRecord(now, how, before, None, self.margin_s, error=exc.message)
        # Lifetimes are counted on the watch's clock (a test's clock runs faster than time.time)
        self.current = token = replace(token, issued_at=self.clock())
        return RenewRecord(now, how, before, token_facts(token), self.margin_s)

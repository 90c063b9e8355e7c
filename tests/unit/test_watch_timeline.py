"""Watch mode's pure parts: token ids that never show a token, the detectors' table, the summary."""

from __future__ import annotations

import jwt

from tokenlab.core.token_set import TokenSet
from tokenlab.core.watch import (
    DETECTORS,
    Timeline,
    TokenFacts,
    duration_text,
    iso_utc,
    summarize,
    token_facts,
    token_id,
)
from tokenlab.core.watch.records import ProbeRecord, RenewRecord

NOW = 1_800_000_000.0


def facts(
    tid: str = "jti:A", scopes: tuple[str, ...] = ("read", "update"), **kw: float
) -> TokenFacts:
    return TokenFacts(
        token_id=tid, kid="K1", expires_at=kw.get("exp", NOW + 3600), scopes=scopes,
        has_refresh_token=False, refresh_expires_at=kw.get("refresh_exp"), signed_in_at=None,
    )  # fmt: skip


def probe(seq: int, status: int, token: TokenFacts | None = None, **kw: str) -> ProbeRecord:
    return ProbeRecord(
        seq=seq, at=NOW + 30 * seq, status=status, ok=200 <= status < 300,
        verdict="ok" if status == 200 else "invalid-token", summary="", latency_ms=10.0 * seq,
        token=token or facts(), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_token_is_named_by_its_jti_or_a_short_hash_never_itself() -> None:
    signed = jwt.encode({"jti": "ABCDEF0123456789XYZ", "sub": "x"}, "k" * 32, algorithm="HS256")
    assert token_id(signed) == "jti:ABCDEF0123456789"
    opaque = "enrt_not-a-jwt-secret-value"
    tid = token_id(opaque)
    assert tid.startswith("sha256:") and len(tid) == 17 and opaque[5:] not in tid
    f = token_facts(TokenSet(opaque, "reference", None, ("read",)))
    assert f.token_id == tid and f.kid == "" and f.expires_at is None


def test_the_same_token_accepted_then_refused_is_one_intermittent_401() -> None:
    t = Timeline(refresh_warn_s=86400)
    assert t.add_probe(probe(1, 200, node="x-served-by: node-1")) == []
    found = t.add_probe(
        probe(
            2,
            401,
            node="x-served-by: node-2",
            server_date="Thu, 01 Jan 2027 00:00:00 GMT",
            error_description="The token expired at '01/01/2027 00:00:00'",
        )
    )
    keys = [f.key for f in found]
    assert keys == ["intermittent-401", "rejected-before-exp"]
    assert "clock is off" in found[0].explanation
    assert "node-2" in found[0].evidence[1] and "node-1" in found[0].evidence[2]
    assert t.add_probe(probe(3, 401)) == []  # reported once per token
    assert [f.key for f in t.add_probe(probe(4, 401, facts("jti:B")))] == ["rejected-before-exp"]


def test_a_401_at_expiry_is_no_finding() -> None:
    t = Timeline(refresh_warn_s=86400)
    assert t.add_probe(probe(1, 401, facts(exp=NOW + 32))) == []  # 2 s left: its expiry


def test_fewer_scopes_and_a_failed_renewal() -> None:
    t = Timeline(refresh_warn_s=86400)
    renewed = RenewRecord(NOW, "refreshed", facts(), facts("jti:B", ("read",)), 60)
    (lost,) = t.add_renewal(renewed)
    assert lost.key == "fewer-scopes" and lost.title.endswith("update lost")
    failed = RenewRecord(NOW + 60, "refreshed", facts("jti:B"), None, 60, error="invalid_grant")
    (f,) = t.add_renewal(failed)
    assert f.key == "renewal-failed" and f.weight == "failure" and f.evidence == ("invalid_grant",)


def test_a_refresh_token_is_warned_about_within_the_margin_only() -> None:
    t = Timeline(refresh_warn_s=3600)
    assert t.add_probe(probe(1, 200, facts(refresh_exp=NOW + 7200))) == []
    (f,) = t.add_probe(probe(2, 200, facts(refresh_exp=NOW + 3600)))
    assert f.key == "refresh-token-expiring" and f.weight == "warning"
    assert iso_utc(NOW + 3600) in f.evidence[0]


def test_the_summary_counts_statuses_latency_and_tokens() -> None:
    t = Timeline(refresh_warn_s=86400)
    for record in (probe(1, 200), probe(2, 401), probe(3, 200, facts("jti:B"))):
        t.add_probe(record)
    s = summarize(t, NOW, NOW + 90)
    assert s.statuses == {"200": 2, "401": 1} and s.p50_ms == 20.0 and s.max_ms == 30.0
    assert s.tokens == ("jti:A", "jti:B") and s.failed
    assert s.to_json()["stopped_at_iso"] == iso_utc(NOW + 90)


def test_the_detectors_are_a_table_with_distinct_keys() -> None:
    keys = [d.key for d in DETECTORS]
    assert len(keys) == len(set(keys)) == 5


def test_durations_read_plainly() -> None:
    assert [duration_text(s) for s in (None, 45, 3599, 7500, 200000, -3)] == [
        "-", "45 s", "59 min", "2 h 5 min", "2 d 7 h", "expired 3 s ago",
    ]  # fmt: skip

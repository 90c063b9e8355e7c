"""`check_token`: every check of a decoded token that needs no network, gathered in a
`TokenReport` in one fixed order. The signature is `skip` unless a checked one is given
(`verify.py` gets it from the authority's keys).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from tokenlab.core.authority_kind import DEFAULT_GLOBAL_AUTHORITIES
from tokenlab.core.errors import RemedyKind, remedy
from tokenlab.core.inspection.checks import (
    Check,
    Expectation,
    algorithm_check,
    format_check,
    key_source_check,
    skip_check,
)
from tokenlab.core.inspection.claim_checks import (
    audience_check,
    client_check,
    issuer_check,
    scope_check,
    time_checks,
    type_check,
)
from tokenlab.core.inspection.claims import ClaimRow, claim_table, header_row
from tokenlab.core.inspection.decode import DecodedToken
from tokenlab.core.redact import Redactor

DEFAULT_LEEWAY_S = 60
SKEW_NOISE_S = 2.0

CHECK_ORDER = (
    "format",
    "algorithm",
    "key_source",
    "introspection",
    "issuer",
    "signature",
    "expiry",
    "not_before",
    "issued_at",
    "audience",
    "type",
    "scope",
    "client_id",
)
_RANK = {name: i for i, name in enumerate(CHECK_ORDER)}


@dataclass(frozen=True)
class TokenReport:
    token: DecodedToken
    checks: tuple[Check, ...]
    header_rows: tuple[ClaimRow, ...] | None  # None: the token's own header, made when read
    checked_at: float
    authority: str = ""  # the authority the token was checked against, if any
    verified: bool = False  # the signature was checked with the authority's keys, and holds
    introspection: Mapping[str, Any] | None = None
    answer_rows: tuple[ClaimRow, ...] | None = None  # an introspection answer's rows, if asked

    @cached_property
    def header(self) -> tuple[ClaimRow, ...]:
        """The header's rows, made when first read (like `claims`)."""
        if self.header_rows is not None:
            return self.header_rows
        return tuple(header_row(k, v) for k, v in self.token.header.items())

    @cached_property
    def claims(self) -> tuple[ClaimRow, ...]:
        """The claim table (or the introspection answer's), made when first read: a report that
        is only judged, never shown, does not pay for readable times."""
        if self.answer_rows is not None:
            return self.answer_rows
        return claim_table(self.token.claims, self.checked_at) if self.token.kind == "jwt" else ()

    @property
    def first_failure(self) -> Check | None:
        return next((c for c in self.checks if c.status == "fail"), None)

    @property
    def ok(self) -> bool:
        return self.first_failure is None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """Safe to print or paste: the token masked, any token-like value inside masked too."""
        redactor = Redactor((self.token.token,))
        first = self.first_failure
        return {
            "token": self.token.masked,
            "kind": self.token.kind,
            "description": self.token.description,
            "ok": self.ok,
            "verified": self.verified,
            "authority": self.authority,
            "checked_at": self.checked_at,  # epoch; the JSON writer adds checked_at_iso
            "header": redactor.json_value(dict(self.token.header)),
            "claims": redactor.json_value(dict(self.token.claims)),
            "signature_bytes": len(self.token.signature),
            "warnings": list(self.token.warnings),
            "claim_table": [redactor.json_value(r.to_json()) for r in self.claims],
            "checks": [redactor.json_value(c.to_json()) for c in self.checks],
            "first_failure": redactor.json_value(first.to_json()) if first else None,
            "introspection": redactor.json_value(dict(self.introspection))
            if self.introspection is not None
            else None,
        }


def ordered_checks(checks: Sequence[Check]) -> tuple[Check, ...]:
    """`checks` in `CHECK_ORDER` (unknown names last), so the first failure is the one to fix."""
    ranks = [_RANK.get(c.name, len(_RANK)) for c in checks]
    if ranks == sorted(ranks):
        return tuple(checks)  # built in order already (check_token): no sort to pay
    return tuple(c for _, _, c in sorted(zip(ranks, range(len(ranks)), checks, strict=True)))


def _not_a_jwt(decoded: DecodedToken, checks: list[Check], now: float) -> TokenReport:
    # Nothing else can be judged locally: one line that says how to learn more, not twelve skips.
    if decoded.kind == "jwe":
        checks.append(skip_check("signature", "encrypted: its claims cannot be read"))
    else:
        checks.append(
            skip_check(
                "introspection",
                "not asked: the authority can tell when a profile's confidential client asks it; "
                "otherwise only the API can tell",
                remedy=remedy(RemedyKind.VERIFY_WITH_AUTHORITY),
            )
        )
    return TokenReport(decoded, tuple(checks), None, now)


def check_token(
    decoded: DecodedToken,
    *,
    expected_issuer: str | None = None,
    audience: str | None = None,
    required_scopes: Sequence[str] = (),
    client_id: str | None = None,
    token_kind: Expectation = "access",
    leeway: float = DEFAULT_LEEWAY_S,
    clock_skew: float = 0.0,
    now: float | None = None,
    signature: Check | None = None,
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES,
) -> TokenReport:
    """Every check that needs no network. The signature is `skip` unless `signature` is given."""
    now = time.time() if now is None else now
    if abs(clock_skew) < SKEW_NOISE_S:
        clock_skew = 0.0  # the Date header has 1 s resolution: a smaller skew is rounding noise
    checks: list[Check] = [format_check(decoded, token_kind)]
    if decoded.kind != "jwt":
        return _not_a_jwt(decoded, checks, now)
    claims, header = decoded.claims, decoded.header
    if token_kind == "id" and not audience:
        audience = client_id  # an id_token's audience is the client itself (OIDC Core 2)
    checks += [
        algorithm_check(header),
        key_source_check(header),
        issuer_check(claims, expected_issuer, global_authorities),
        signature
        or skip_check(
            "signature",
            "not checked: that needs the authority's keys",
            remedy=remedy(RemedyKind.VERIFY_WITH_AUTHORITY),
        ),
        *time_checks(claims, now, leeway, clock_skew, token_kind),
        audience_check(claims, audience),
        type_check(header, claims, token_kind),
        scope_check(claims, required_scopes),
        client_check(claims, client_id),
    ]
    return TokenReport(
        decoded,
        ordered_checks(checks),
        None,  # the header's rows: made when first read
        now,
        authority=expected_issuer or "",
        verified=signature is not None and signature.status == "pass",
    )

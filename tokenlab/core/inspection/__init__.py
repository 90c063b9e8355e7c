"""Token inspection: decode any token without trusting it, then check it the way the API would.

Below the flows: nothing here imports `tokenlab.core.flows` (the flows use it for id_tokens;
introspection, which needs a flow's client authentication, lives in `flows/introspection.py`).

    decode        DecodedToken, decode_token, TokenFormatError: reading what was pasted
    claims        readable times and values, what each claim means, scopes and audiences
    checks        Check (what every check returns), format / algorithm / key-source checks
    claim_checks  issuer, times, audience, type, scope and client checks
    token_report  TokenReport, check_token, CHECK_ORDER: every offline check in one report
    signature     the signature against one JWK of the authority
    verify        verify_token: the one key lookup (AuthorityCache.find_key) and the signature
    compare       compare_tokens, compare_claims: what differs, churn marked
    id_token      validate_id_token: a thin layer over the checks above

Heavy modules (httpx, PyJWT, cryptography) load only when a signature is checked.
"""

from tokenlab.core.inspection.checks import Check
from tokenlab.core.inspection.claims import ClaimRow
from tokenlab.core.inspection.compare import ClaimDiff, compare_claims, compare_tokens
from tokenlab.core.inspection.decode import (
    MAX_TOKEN_CHARS,
    DecodedToken,
    TokenFormatError,
    decode_token,
)
from tokenlab.core.inspection.id_token import IdTokenError, half_hash, validate_id_token
from tokenlab.core.inspection.signature import signature_check
from tokenlab.core.inspection.token_report import (
    CHECK_ORDER,
    DEFAULT_LEEWAY_S,
    TokenReport,
    check_token,
)
from tokenlab.core.inspection.verify import verify_token

__all__ = [
    "CHECK_ORDER",
    "DEFAULT_LEEWAY_S",
    "MAX_TOKEN_CHARS",
    "Check",
    "ClaimDiff",
    "ClaimRow",
    "DecodedToken",
    "IdTokenError",
    "TokenFormatError",
    "TokenReport",
    "check_token",
    "compare_claims",
    "compare_tokens",
    "decode_token",
    "half_hash",
    "signature_check",
    "validate_id_token",
    "verify_token",
]

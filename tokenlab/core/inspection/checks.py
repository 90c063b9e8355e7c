"""What every check returns (`Check`), and the checks of a token's form: its format, its
signature algorithm and where its key is said to come from.

A check says what was observed, what was expected and why it passes or not, in plain words.
The step to take, when there is one, is a structured `Remedy`, never a flag or a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.errors import Remedy

if TYPE_CHECKING:
    from tokenlab.core.inspection.decode import DecodedToken

Status = Literal["pass", "warn", "fail", "skip"]
Expectation = Literal["access", "id", "refresh", "any"]  # what the token should be

# Asymmetric JWS algorithms and the key type each needs. HMAC (HS*) is absent on purpose: an
# identity service signs with a private key and publishes only public keys.
KEY_TYPE_FOR_ALG = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
CURVE_FOR_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
KEY_URL_HEADERS = ("jku", "x5u", "jwk", "x5c")  # where a token could point at its own key


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    observed: str
    expected: str
    reason: str  # plain words: why it passes or not
    remedy: Remedy | None = None  # the step that would let it be checked or make it pass

    # A report makes a dozen of these per token: the generated frozen __init__ sets each field
    # through object.__setattr__ (~0.7 us a check); filling the instance dict is the same state
    # at a third of the cost. Still frozen: assignment after __init__ raises as before.
    def __init__(
        self,
        name: str,
        status: Status,
        observed: str,
        expected: str,
        reason: str,
        remedy: Remedy | None = None,
    ) -> None:
        fields = self.__dict__
        fields["name"] = name
        fields["status"] = status
        fields["observed"] = observed
        fields["expected"] = expected
        fields["reason"] = reason
        fields["remedy"] = remedy

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "observed": self.observed,
            "expected": self.expected,
            "reason": self.reason,
            "remedy": self.remedy.to_json() if self.remedy else None,
        }


def skip_check(
    name: str, reason: str, observed: str = "", expected: str = "", remedy: Remedy | None = None
) -> Check:
    return Check(name, "skip", observed, expected, reason, remedy)


def format_check(decoded: DecodedToken, expect: Expectation) -> Check:
    if decoded.kind == "jwt":
        crit = decoded.header.get("crit")
        if crit is not None:
            # RFC 7515 4.1.11: a verifier must reject what it does not understand; we understand none
            return Check(
                "format",
                "fail",
                f"crit {crit}",
                "no critical extensions",
                "the header marks extensions critical that neither tokenlab nor the platform's APIs understand",
            )
        if decoded.warnings:
            return Check("format", "warn", "JWT", "a well-formed JWT", "; ".join(decoded.warnings))
        return Check("format", "pass", "JWT (JWS compact)", "a JWT", "three base64url parts")
    expected = "a signed JWT" if expect in ("access", "id") else "a token"
    if decoded.kind == "jwe":
        return Check("format", "warn", "encrypted JWT (JWE)", expected, decoded.description)
    observed = "platform reference token" if decoded.kind == "reference" else "opaque string"
    return Check(
        "format", "warn", observed, expected, "not a JWT: nothing to decode or check locally"
    )


def algorithm_check(header: Mapping[str, Any]) -> Check:
    alg = header.get("alg")
    expected = "an asymmetric algorithm such as RS256"
    if not isinstance(alg, str) or not alg:
        return Check(
            "algorithm", "fail", "absent", expected, "the header names no signature algorithm"
        )
    if alg.lower() == "none":
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            "alg none: the token is unsigned, anyone can write one, so it may be forged; "
            "never accepted",
        )
    if alg.upper().startswith("HS"):
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            f"{alg} is HMAC (a shared secret), but the authority signs with a private key and publishes "
            "only public keys: an HMAC token checked with a public key as its secret is the "
            "algorithm-confusion attack (anyone can forge it); never verified",
        )
    if alg not in KEY_TYPE_FOR_ALG:
        return Check(
            "algorithm",
            "fail",
            alg,
            expected,
            f"{alg} is not a signature algorithm tokenlab accepts",
        )
    return Check(
        "algorithm", "pass", alg, expected, "an asymmetric signature: checked with a public key"
    )


def key_source_check(header: Mapping[str, Any]) -> Check:
    named = [k for k in KEY_URL_HEADERS if k in header]
    if not named:
        return Check(
            "key_source",
            "pass",
            "kid only" if "kid" in header else "no key named",
            "keys from the authority's JWKS",
            "no key in the token",
        )
    shown = ", ".join(
        f"{k}={header[k]}" if isinstance(header[k], str) else f"{k} (embedded)" for k in named
    )
    return Check(
        "key_source",
        "warn",
        shown,
        "keys from the authority's JWKS",
        "the token points at its own key; tokenlab never fetches or trusts it (a forger would point "
        "it at theirs): only the authority's JWKS counts",
    )

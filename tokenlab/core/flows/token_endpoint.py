"""One POST to the token endpoint (or a sibling endpoint), with the profile's client authentication."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tokenlab.core.destinations import credentials_in, refuse_cleartext
from tokenlab.core.errors import RemedyKind, SecretMissingError, UsageError, remedy
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.refusal import TokenEndpointError
from tokenlab.core.secrets import SecretKind

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 60  # short: an assertion is single-use and only proves who we are


def client_secret(ctx: FlowContext) -> str:
    p = ctx.profile
    return ctx.secrets.require(p.name, SecretKind.CLIENT_SECRET, p.public_secret)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _profile_path_error(ctx: FlowContext, field: str, message: str, hint: str) -> UsageError:
    fix = remedy(
        RemedyKind.SET_PROFILE_FIELD, profile=ctx.profile.name, field=field, example="PATH"
    )
    return UsageError(message, hint, field=field, remedy=fix)


def _private_key(ctx: FlowContext) -> Any:
    """The profile's PEM private key, decrypted with its passphrase when it has one."""
    from cryptography.hazmat.primitives import serialization

    p = ctx.profile
    try:
        pem = Path(p.key_path).expanduser().read_bytes()
    except OSError as exc:
        raise _profile_path_error(
            ctx,
            "key_path",
            f"cannot read the private key {p.key_path!r}: {exc.strerror}",
            "check the path of the profile's private key",
        ) from None
    passphrase = ctx.secrets.get(p.name, SecretKind.KEY_PASSPHRASE)
    try:
        return serialization.load_pem_private_key(
            pem, password=passphrase.encode() if passphrase else None
        )
    except TypeError:
        missing = ctx.secrets.missing(p.name, SecretKind.KEY_PASSPHRASE)
        raise SecretMissingError(
            f"the private key {p.key_path!r} is encrypted and no passphrase was given",
            missing.hint,
            missing.remedy,
        ) from None
    except ValueError:
        raise UsageError(
            f"cannot load the private key {p.key_path!r}: not a PEM private key, or the passphrase is wrong",
            "give a PEM private key (-----BEGIN PRIVATE KEY-----) and its passphrase if it has one",
        ) from None


def load_signing_key(ctx: FlowContext) -> tuple[Any, str, dict[str, str]]:
    """(private key, JWS alg, extra header) for private_key_jwt, from the profile's PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    p = ctx.profile
    key = _private_key(ctx)
    if isinstance(key, rsa.RSAPrivateKey):
        alg = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}.get(
            key.curve.name, ""
        )
        if not alg:
            raise UsageError(
                f"the EC curve {key.curve.name} is not usable for JWT", "use a P-256 key (ES256)"
            )
    else:
        raise UsageError(
            "private_key_jwt needs an RSA or EC private key",
            "generate one with openssl genpkey -algorithm RSA",
        )
    header: dict[str, str] = {}
    if p.cert_path:
        try:
            cert = x509.load_pem_x509_certificate(Path(p.cert_path).expanduser().read_bytes())
        except (OSError, ValueError) as exc:
            raise _profile_path_error(
                ctx,
                "cert_path",
                f"cannot load the certificate {p.cert_path!r}: {exc}",
                "give the path of a PEM certificate",
            ) from None
        header["x5t#S256"] = _b64url(cert.fingerprint(hashes.SHA256()))
    if p.key_id:  # with a certificate too: a provider may pick the key by either
        header["kid"] = p.key_id
    return key, alg, header


def client_assertion(ctx: FlowContext, audience: str) -> str:
    """A signed JWT that authenticates the client (RFC 7523): fresh jti, short exp."""
    import jwt

    key, alg, header = load_signing_key(ctx)
    now = int(time.time())
    claims = {
        "iss": ctx.profile.client_id,
        "sub": ctx.profile.client_id,
        "aud": audience,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + ASSERTION_LIFETIME_S,
    }
    return jwt.encode(claims, key, algorithm=alg, headers=header or None)


def assertion_audience(ctx: FlowContext, endpoint: str, issuer: str) -> str:
    """The client assertion's `aud`: the endpoint it is sent to (RFC 7523, the default) or the
    issuer, as the profile chooses."""
    return issuer if ctx.profile.assertion_audience == "issuer" and issuer else endpoint


def authenticate(
    ctx: FlowContext,
    form: dict[str, str],
    headers: dict[str, str],
    endpoint: str,
    issuer: str = "",
) -> None:
    """Add the profile's client authentication to a request to `endpoint` of `issuer`."""
    p = ctx.profile
    method = p.auth_method
    if method == "none":
        form["client_id"] = p.client_id
    elif method == "client_secret_basic":
        # RFC 6749 2.3.1: both parts are form-urlencoded before base64
        secret = client_secret(ctx)
        pair = f"{quote(p.client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif method == "client_secret_post":
        form["client_id"] = p.client_id
        form["client_secret"] = client_secret(ctx)
    elif method == "private_key_jwt":
        form["client_id"] = p.client_id
        form["client_assertion_type"] = ASSERTION_TYPE
        assertion = client_assertion(ctx, assertion_audience(ctx, endpoint, issuer))
        ctx.secrets.redactor.add_known(assertion)
        form["client_assertion"] = assertion


def scrub_secrets(ctx: FlowContext, exc: TokenEndpointError) -> TokenEndpointError:
    """Mask known secrets in an explained error: a provider may echo a token in its description."""
    redact = ctx.secrets.redactor.text
    exc.message, exc.hint, exc.description = (
        redact(exc.message),
        redact(exc.hint),
        redact(exc.description),
    )
    exc.args = (exc.message,)
    return exc


def _json_or_none(ctx: FlowContext, endpoint: str, status: int, content: bytes) -> Any:
    """The answer's JSON value, None when it is not JSON; an answer no reader should take (too
    deep) is refused here, before anything reads it recursively."""
    try:
        return read_json(content).value
    except JsonTextError as exc:
        if exc.problem not in ("too-deep", "too-large"):
            return None
        raise TokenEndpointError(
            f"{ctx.secrets.redactor.url(endpoint)} answered HTTP {status}, and the answer {exc.reason}",
            "no OAuth server answers like this: check the authority URL and any proxy in between",
            status=status,
        ) from None


async def post_form(
    ctx: FlowContext,
    endpoint: str,
    form: dict[str, str],
    *,
    flow: str,
    authenticate_client: bool = True,
    empty_ok: bool = False,
) -> dict[str, Any]:
    """POST a form with client auth; a JSON object back, or a `TokenEndpointError` that explains.

    Errors are scrubbed of known secrets. `empty_ok`: a 200 with no body is success (revocation).
    """
    headers = {"Accept": "application/json"}
    form = dict(form)
    sends = credentials_in(form, auth_method=ctx.profile.auth_method if authenticate_client else "")
    discovery = await ctx.discovery()
    refuse_cleartext(endpoint, sends, profile=ctx.profile, discovery=discovery)
    if authenticate_client:
        authenticate(ctx, form, headers, endpoint, discovery.issuer)
    response = await ctx.client.post(endpoint, data=form, headers=headers)
    ctype = response.headers.get("content-type", "")
    body = _json_or_none(ctx, endpoint, response.status_code, response.content)
    if response.status_code == 200:
        if empty_ok and not response.content.strip():
            return {}
        if isinstance(body, dict):
            return body
    from tokenlab.core.explain import explain, read_answer  # lazy: only a refusal needs them

    raise scrub_secrets(
        ctx,
        explain(
            read_answer(response.status_code, ctype, response.content, ctx.secrets.redactor.text),
            flow=flow,
            client_id=ctx.profile.client_id,
            scopes=ctx.profile.scopes,
            public_client=ctx.profile.is_public_client,
            client_auth=ctx.profile.auth_method if authenticate_client else "",
            key_id=ctx.profile.key_id,
            assertion_audience=ctx.profile.assertion_audience,
        ),
    )


async def token_request(ctx: FlowContext, form: dict[str, str], *, flow: str) -> dict[str, Any]:
    discovery = await ctx.discovery()
    if not discovery.token_endpoint:
        raise TokenEndpointError(
            f"discovery of {ctx.authority} has no token_endpoint",
            "this is not a usable identity service",
        )
    body = await post_form(ctx, discovery.token_endpoint, form, flow=flow)
    if not isinstance(body.get("access_token"), str):
        raise TokenEndpointError(
            "the token endpoint answered 200 but with no access_token",
            "the identity service is misbehaving; see the trace",
        )
    for key in ("access_token", "refresh_token", "id_token"):
        if isinstance(body.get(key), str):
            ctx.secrets.redactor.add_known(body[key])
            if not _TOKEN_CHARS.fullmatch(body[key]):
                raise TokenEndpointError(
                    f"the token endpoint answered a {key} with characters no token has "
                    "(tokens are printable ASCII)",
                    "the identity service or something between is corrupting its answers; "
                    "see the trace",
                )
    return body


# RFC 6749 appendix A: access and refresh tokens are VSCHARs (and JWTs a subset of them)
_TOKEN_CHARS = re.compile(r"[\x20-\x7e]+")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 32 random bytes, base64url (RFC 7636)."""
    import secrets

    verifier = _b64url(secrets.token_bytes(32))
    return verifier, _b64url(hashlib.sha256(verifier.encode()).digest())


def random_value() -> str:
    """state / nonce: base64url of 32 random bytes (as the platform's tutorials do)."""
    import secrets

    return _b64url(secrets.token_bytes(32))

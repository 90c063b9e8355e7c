"""The share bundle: the doctor's report (core/report.py) with every secret removed, every token
signature dropped and personal data hashed; what support needs kept (`iss`, `aud`, `scope`,
`kid`, `alg`, times, `client_id`, status codes, correlation and trace ids).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tokenlab.core.redact import Redactor
from tokenlab.core.report import HintWords, plain_hint, report_json, report_markdown
from tokenlab.core.share.pseudonyms import METHOD, Pseudonyms
from tokenlab.core.share.scrub import DROPPED, PERSONAL_CLAIMS, Scrubber
from tokenlab.core.terminal_text import json_inert

if TYPE_CHECKING:
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.core.token_set import TokenSet

FORMAT = "tokenlab.doctor.share/1"
UNSIGNED_PLACE = "(the access token, its signature dropped)"
# Response headers that let a support engineer find the request in their own logs.
CORRELATION_HEADERS = (
    "x-correlation-id",
    "correlation-id",
    "x-request-id",
    "request-id",
    "x-ms-request-id",
    "traceparent",
    "tracestate",
    "x-trace-id",
    "x-amzn-trace-id",
)
REDACTIONS = (
    "secrets (client secret, refresh token, reference token, cookies, API keys, passwords): "
    "removed, only their length kept",
    f"tokens: signature dropped (header.payload.{DROPPED}); a masked token keeps only its length",
    "personal data (" + ", ".join(sorted(PERSONAL_CLAIMS)) + ", e-mail addresses, user names in "
    "URLs): replaced by a stable short hash, kind:hash",
    f"hashes: {METHOD}: the same value gets the same hash within this bundle only",
    "API data rows of a successful answer: removed (only their count kept)",
    "kept: iss, aud, scope, kid, alg, typ, times, client_id, status codes, correlation ids",
)


def share_bundle(
    run: DoctorRun, redactor: Redactor, *, pseudonyms: Pseudonyms | None = None
) -> dict[str, Any]:
    """The run as a bundle (JSON-ready): the report, scrubbed, with a head saying how."""
    doc = report_json(run, redactor)
    names = pseudonyms or Pseudonyms()
    keep = frozenset(v for v in (run.facts.profile.client_id,) if v)
    scrub = Scrubber(names, keep)
    for claims in _claim_sets(run, doc):
        scrub.learn(claims)
    doc = _without_api_rows(doc, run.facts.profile.api)
    token = doc.get("token")
    if isinstance(token, dict):  # the claim sets themselves: personal claims hashed by name
        token["claims"] = scrub.claims(token.get("claims") or {})
        if isinstance(token.get("introspection"), dict):
            token["introspection"] = scrub.claims(token["introspection"])
    body: dict[str, Any] = scrub.value(doc)
    if isinstance(body.get("token"), dict) and run.facts.token is not None:
        body["token"]["token"] = f"…({len(run.facts.token.token.token)} chars, removed)"
    now = time.time()
    return {
        "share": {
            "format": FORMAT,
            "created_at": int(now),
            "created_at_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "redactions": list(REDACTIONS),
            "pseudonyms": sorted({p.partition(":")[0] for p in names.replaced.values()}),
            "pseudonym_count": len(names.replaced),
        },
        "token_unsigned": _unsigned(run, scrub),
        "trace": _trace(body),
        **body,
    }


def _claim_sets(run: DoctorRun, doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every claim set the run saw: the access token's, its introspection, the ID token's."""
    from tokenlab.core.inspection.decode import TokenFormatError, decode_token

    sets: list[Mapping[str, Any]] = []
    token = run.facts.token
    if token is not None:
        sets.append(token.token.claims)
        if token.introspection is not None:
            sets.append(token.introspection)
    flow = run.facts.flow
    issued = (flow.api_token, flow.identity) if flow is not None else ()
    for raw in (jwt for s in issued if s is not None for jwt in _jwts(s)):
        with contextlib.suppress(TokenFormatError):
            sets.append(decode_token(raw).claims)
    return sets


def _jwts(issued: TokenSet) -> list[str]:
    """The access and ID tokens of a token set (the portal's sign-in has both)."""
    return [v for v in (issued.access_token, issued.id_token) if v and v.count(".") == 2]


def _unsigned(run: DoctorRun, scrub: Scrubber) -> str | None:
    """The access token without its signature (a JWT only: a reference token is a secret)."""
    token = run.facts.token
    if token is None or token.token.kind != "jwt":
        return None
    return scrub.unsigned(token.token.token)


def _without_api_rows(doc: dict[str, Any], api: str) -> dict[str, Any]:
    """The API's data (customers, orders) is nobody's business in a ticket: rows counted."""
    probe = doc.get("probe")
    if isinstance(probe, dict) and 200 <= int(probe.get("status") or 0) < 300:
        body = probe.get("body") or {}
        rows = body.get("json", {}).get("value") if isinstance(body.get("json"), dict) else None
        if isinstance(rows, list):
            body["json"] = {"value": f"{len(rows)} row(s) removed"}
        body["text"] = "(the API's data is not part of a share bundle)"
    for e in doc.get("exchanges", []):
        if str(e.get("url", "")).startswith(api) and 200 <= int(e.get("status") or 0) < 300:
            e["response_body"] = "(the API's data is not part of a share bundle)"
    return doc


def _trace(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each exchange in a line: method, URL, status, time, and its correlation ids."""
    trace = []
    for e in doc.get("exchanges", []):
        ids = {
            k.lower(): v
            for k, v in e.get("response_headers", [])
            if k.lower() in CORRELATION_HEADERS
        }
        trace.append(
            {
                "method": e["method"],
                "url": e["url"],
                "status": e["status"],
                "elapsed_ms": e["elapsed_ms"],
                "error": e["error"],
                "correlation_ids": ids,
            }
        )
    return trace


# -- the two formats ---------------------------------------------------------------------------


def share_text(
    bundle: Mapping[str, Any], fmt: str, redactor: Redactor, words: HintWords = plain_hint
) -> str:
    if fmt == "json":
        return json_inert(json.dumps(bundle, indent=2, ensure_ascii=False)) + "\n"
    return share_markdown(bundle, redactor, words)


def share_markdown(
    bundle: Mapping[str, Any], redactor: Redactor, words: HintWords = plain_hint
) -> str:
    """The redaction notice on top, then the doctor's report, the authority and the trace."""
    share = bundle["share"]
    head = [
        f"# Support bundle: {bundle['profile']['name']}",
        "",
        f"{share['format']}, created {share['created_at_iso']}. Safe to paste into a support ticket:",
        "",
        *(f"- {line}" for line in share["redactions"]),
        f"- {share['pseudonym_count']} value(s) replaced by a hash",
        "",
        "",
    ]
    report = report_markdown(dict(bundle), redactor, words)
    report = report.replace("# Doctor report:", "## Doctor report:", 1)
    tail = _md_authority(bundle) + _md_token(bundle) + _md_trace(bundle)
    scrubbed = redactor.text("\n".join(head) + report + "\n".join(tail) + "\n")
    # the redactor masks anything JWT-shaped; this one has no signature and hashed claims
    return scrubbed.replace(UNSIGNED_PLACE, str(bundle.get("token_unsigned") or ""))


def _md_authority(bundle: Mapping[str, Any]) -> list[str]:
    a = bundle.get("authority")
    if not isinstance(a, dict):
        return []
    lines = ["", "## Authority", "", f"- authority: {a.get('authority')} ({a.get('kind')})"]
    lines.append(f"- issuer: {a.get('issuer')}")
    for name, url in (a.get("endpoints") or {}).items():
        lines.append(f"- {name}: {url}")
    lines.append(f"- keys (kid): {', '.join(str(k.get('kid')) for k in a.get('keys') or [])}")
    for f in a.get("findings") or []:
        lines.append(f"- {f.get('level')}: {f.get('message')}")
    return lines


def _md_token(bundle: Mapping[str, Any]) -> list[str]:
    token = bundle.get("token")
    if not isinstance(token, dict):
        return []
    lines = ["", "## Token claims", ""]
    if bundle.get("token_unsigned"):
        lines += ["Signature dropped:", "", "```", UNSIGNED_PLACE, "```", ""]
    lines.append(f"header: `{json.dumps(token.get('header'), ensure_ascii=False)}`")
    lines += ["", "| claim | value |", "|---|---|"]
    for name, value in (token.get("claims") or {}).items():
        shown = json.dumps(value, ensure_ascii=False).replace("|", "\\|")
        lines.append(f"| {name} | `{shown}` |")
    return lines


def _md_trace(bundle: Mapping[str, Any]) -> list[str]:
    if not bundle.get("trace"):
        return []
    lines = ["", "## Trace with correlation ids", ""]
    for t in bundle["trace"]:
        ids = ", ".join(f"{k}: {v}" for k, v in t["correlation_ids"].items())
        status = t["status"] if t["status"] is not None else f"failed: {t['error']}"
        lines.append(f"- `{t['method']} {t['url']}` → {status}" + (f" ({ids})" if ids else ""))
    return lines

"""Reports of a whole run: the checklist as text lines (CLI and console), and JSON and Markdown
safe to paste into a support ticket.

Built only from what is already masked (exchanges, token report, probe), then passed once more
through the redactor as a last line of defence: no secret and no whole token can get in (nor a
URL's user:password). Server-written text is made inert in both formats (Markdown: escapes
shown; JSON: valid escapes). Remedies are data here; a face may pass its own rendering of them
(the CLI: its flags).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tokenlab import __version__
from tokenlab.core.curl import probe_curl, token_request_curl
from tokenlab.core.errors import Remedy, RemedyKind, TokenlabError
from tokenlab.core.json_times import with_iso_times
from tokenlab.core.profiles import Profile, profile_summary
from tokenlab.core.redact import Redactor
from tokenlab.core.terminal_text import inert, inert_line, json_inert

if TYPE_CHECKING:
    from tokenlab.core.authority import AuthorityReport, Finding
    from tokenlab.core.doctor import DoctorRun

STATUS_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "skip"}

# How a face words a hint with its remedy: (plain words, remedy) -> one line.
HintWords = Callable[[str, Remedy | None], str]


def plain_hint(hint: str, remedy: Remedy | None) -> str:
    """No face-specific rendering: the plain words, and the remedy as data."""
    if remedy is None:
        return hint
    data = ", ".join(
        f"{k}={' '.join(v) if isinstance(v, tuple) else v}" for k, v in remedy.data.items()
    )
    step = f"next step: {remedy.kind.value}" + (f" ({data})" if data else "")
    return f"{hint}; {step}" if hint else step


def checklist_lines(
    run: DoctorRun, words: HintWords = plain_hint, redactor: Redactor | None = None
) -> list[str]:
    """The checklist as text lines, masked and each kept on its line (a server's words quoted
    in evidence cannot start a line of their own): the CLI prints them, the console shows them."""
    redactor = redactor or Redactor()
    return [inert_line(redactor.text(line)) for line in _checklist(run, words)]


def _checklist(run: DoctorRun, words: HintWords) -> list[str]:
    d = run.diagnosis
    p = run.facts.profile
    lines = [f"doctor: {p.name} ({p.scenario}) against {p.authority}"]
    for step in d.steps:
        lines.append(f"  [{STATUS_MARK[step.status]}] {step.title}")
        if step.evidence:
            lines.append(f"         {step.evidence}")
        hint = words(step.hint, step.remedy) if step.status in ("fail", "warn") else ""
        if hint:
            lines.append(f"         hint: {hint}")
    if d.causes:
        lines += ["", "most likely cause first:"]
        for i, c in enumerate(d.causes, 1):
            lines += [
                f"  {i}. {c.title}",
                f"     evidence: {c.evidence}",
                f"     fix: {words(c.fix, c.remedy)}",
            ]
    lines += [
        "",
        "OK: the API answered HTTP 200 to the first request"
        if d.api_ok
        else "NOT OK: the first API request did not return HTTP 200",
    ]
    return lines


def report_json(run: DoctorRun, redactor: Redactor) -> dict[str, Any]:
    f = run.facts
    doc: dict[str, Any] = {
        "tokenlab": __version__,
        "created_at": int(time.time()),  # with created_at_iso (core/json_times.py)
        "run_id": run.run_id,
        "profile": _summary(f.profile, redactor),
        "diagnosis": run.diagnosis.to_json(),
        "authority": f.authority.to_json() if f.authority else None,
        "authority_error": _error(f.authority_error),
        "flow": f.flow.to_json(reveal=False) if f.flow else None,
        "flow_error": _error(f.flow_error),
        "token": f.token.to_json() if f.token else None,
        "token_error": _error(f.token_error),
        "probe": f.probe.to_json() if f.probe else None,
        "probe_error": _error(f.probe_error),
        "exchanges": [
            {
                "method": e.method,
                "url": e.url,
                "status": e.status,
                "elapsed_ms": e.elapsed_ms,
                "request_headers": [list(h) for h in e.request_headers],
                "request_body": e.request_body,
                "response_headers": [list(h) for h in e.response_headers],
                "response_body": e.response_body,
                "error": e.error,
            }
            for e in run.exchanges
        ],
        "curl": _curl(run),
    }
    masked: dict[str, Any] = with_iso_times(redactor.json_value(doc))
    return masked


def _summary(profile: Profile, redactor: Redactor) -> dict[str, Any]:
    """The profile as a report shows it: a cookie or key among the probe's headers masked."""
    summary = profile_summary(profile)
    probe = summary.get("probe")
    if isinstance(probe, dict) and isinstance(probe.get("headers"), dict):
        probe["headers"] = {k: redactor.header(k, str(v)) for k, v in probe["headers"].items()}
    return summary


def masked_authority(
    report: AuthorityReport, redactor: Redactor | None = None, *, one_line: bool = False
) -> AuthorityReport:
    """The authority report as it may be shown: the URLs given on a command line and the ones
    the server wrote into discovery (and the findings that quote them) without a user:password
    or a credential-shaped query value. `one_line`: for text, every string the server wrote is
    also kept on its line and made inert (JSON keeps its exact words, as valid escapes)."""
    from tokenlab.core.discovery import Discovery

    r = redactor or Redactor()
    text: Callable[[str], str] = (lambda t: inert_line(r.text(t))) if one_line else r.text
    each: Callable[[Any], Any] = _each_string(inert_line) if one_line else (lambda v: v)
    d = report.discovery
    return replace(
        report,
        authority=each(r.url(report.authority)),
        found_via=text(report.found_via),
        discovery=Discovery(each(r.url(d.authority)), each(r.json_value(dict(d.raw)))),
        findings=tuple(_masked_finding(f, r, text) for f in report.findings),
    )


def _masked_finding(finding: Finding, r: Redactor, text: Callable[[str], str]) -> Finding:
    fix = finding.remedy
    if fix is not None:
        fix = replace(fix, data={k: r.json_value(v) for k, v in fix.data.items()})
    return replace(finding, message=text(finding.message), hint=text(finding.hint), remedy=fix)


def _each_string(change: Callable[[str], str]) -> Callable[[Any], Any]:
    """`change` applied to every string in a JSON-like value."""

    def apply(value: Any) -> Any:
        if isinstance(value, str):
            return change(value)
        if isinstance(value, dict):
            return {k: apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return [apply(v) for v in value]
        return value

    return apply


def _curl(run: DoctorRun) -> dict[str, str]:
    f = run.facts
    p = f.profile
    curl: dict[str, str] = {}
    token_endpoint = f.authority.discovery.token_endpoint if f.authority is not None else ""
    if token_endpoint and p.scenario != "automation":
        curl["token_request"] = token_request_curl(p, token_endpoint)
    if f.probe is not None:
        api_key = f.probe.token_header.lower() == "x-api-key"
        curl["probe"] = probe_curl(
            f.probe.url, method=f.probe.method, headers=p.probe.headers, api_key=api_key
        )
    return curl


def _error(exc: TokenlabError | None) -> dict[str, Any] | None:
    if exc is None:
        return None
    remedy = exc.remedy.to_json() if exc.remedy else None
    return {"message": exc.message, "hint": exc.hint, "remedy": remedy}


# -- Markdown --------------------------------------------------------------------------------


def remedy_from_json(data: dict[str, Any] | None) -> Remedy | None:
    """A remedy read back from a report (lists become tuples again); None for an unknown kind."""
    if not data:
        return None
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "kind"}
    try:
        return Remedy(RemedyKind(str(data.get("kind", ""))), values)
    except ValueError:
        return None


def report_markdown(doc: dict[str, Any], redactor: Redactor, words: HintWords = plain_hint) -> str:
    sections = (
        _md_head(doc),
        _md_checklist(doc, words),
        _md_causes(doc, words),
        _md_token(doc),
        _md_probe(doc),
        _md_exchanges(doc),
        _md_curl(doc),
    )
    text = "\n".join(line for section in sections for line in section)
    return inert(redactor.text(text.rstrip() + "\n"))


def _md_head(doc: dict[str, Any]) -> list[str]:
    p = doc["profile"]
    ok = doc["diagnosis"]["api_ok"]
    return [
        f"# Doctor report: {p['name']}",
        "",
        f"- verdict: **{'the API answered 200' if ok else 'the API did not answer 200'}**",
        f"- scenario: {p['scenario']}, client `{p['client_id'] or '-'}`, auth `{p['auth_method']}`",
        f"- authority: {p['authority']}",
        f"- API: {p['api']}",
        f"- tokenlab/{doc['tokenlab']}, {doc['created_at_iso']}, run {doc['run_id']}",
    ]


def _md_checklist(doc: dict[str, Any], words: HintWords) -> list[str]:
    lines = ["", "## Checklist", "", "| | step | evidence |", "|---|---|---|"]
    for s in doc["diagnosis"]["steps"]:
        hint = words(s["hint"], remedy_from_json(s.get("remedy")))
        evidence = s["evidence"] + (f" *hint: {hint}*" if hint else "")
        lines.append(f"| {STATUS_MARK[s['status']]} | {s['title']} | {_cell(evidence)} |")
    return lines


def _md_causes(doc: dict[str, Any], words: HintWords) -> list[str]:
    causes = doc["diagnosis"]["causes"]
    if not causes:
        return []
    lines = ["", "## Most likely causes", ""]
    for i, c in enumerate(causes, 1):
        fix = words(c["fix"], remedy_from_json(c.get("remedy")))
        lines.append(f"{i}. **{c['title']}** (`{c['key']}`): {c['evidence']}. Fix: {fix}")
    return lines


def _md_token(doc: dict[str, Any]) -> list[str]:
    token = doc.get("token")
    if not token:
        return []
    lines = ["", "## Token", "", f"`{token['token']}` ({token['kind']})", ""]
    lines += ["| check | status | observed | expected | reason |", "|---|---|---|---|---|"]
    for c in token.get("checks", []):
        cells = (c["name"], c["status"], c["observed"], c["expected"], c["reason"])
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return lines


def _md_probe(doc: dict[str, Any]) -> list[str]:
    probe = doc.get("probe")
    if not probe:
        return []
    v = probe["verdict"]
    request = f"`{probe['request']['method']} {probe['request']['url']}`"
    lines = ["", "## API request", ""]
    lines += [f"{request} → HTTP {probe['status']} in {probe['elapsed_ms']:.0f} ms", ""]
    lines.append(f"{v['summary']}" + (f" ({v['hint']})" if v["hint"] else ""))
    lines += [f"\n`WWW-Authenticate: {value}`" for value in probe.get("www_authenticate", [])]
    return lines


def _md_exchanges(doc: dict[str, Any]) -> list[str]:
    if not doc["exchanges"]:
        return []
    lines = ["", "## Exchanges", ""]
    for e in doc["exchanges"]:
        status = e["status"] if e["status"] is not None else f"failed: {e['error']}"
        lines.append(f"- `{e['method']} {e['url']}` → {status} ({e['elapsed_ms']:.0f} ms)")
    return lines


def _md_curl(doc: dict[str, Any]) -> list[str]:
    if not doc["curl"]:
        return []
    lines = ["", "## Reproduce with curl", ""]
    lines += ["Secrets are shell variables: set them from your own store first.", ""]
    for name, command in doc["curl"].items():
        lines += [f"{name}:", "", "```sh", command, "```", ""]
    return lines


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(doc: dict[str, Any], fmt: str, redactor: Redactor, words: HintWords = plain_hint) -> str:
    if fmt == "json":
        return json_inert(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
    return report_markdown(doc, redactor, words)

"""Reports of a whole run: the checklist as text lines (CLI and console), and JSON and Markdown
safe to paste into a support ticket.

Built only from what is already masked (exchanges, token report, probe), then passed once more
through the redactor as a last line of defence: no secret and no whole token can get in.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from tokenlab import __version__
from tokenlab.core.curl import probe_curl, token_request_curl
from tokenlab.core.errors import TokenlabError
from tokenlab.core.profiles import profile_summary

if TYPE_CHECKING:
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.core.redact import Redactor

STATUS_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def checklist_lines(run: DoctorRun) -> list[str]:
    """The checklist as text lines: the CLI prints them, the console shows them."""
    d = run.diagnosis
    p = run.facts.profile
    lines = [f"doctor: {p.name} ({p.scenario}) against {p.authority}"]
    for step in d.steps:
        lines.append(f"  [{STATUS_MARK[step.status]}] {step.title}")
        if step.evidence:
            lines.append(f"         {step.evidence}")
        if step.hint and step.status in ("fail", "warn"):
            lines.append(f"         hint: {step.hint}")
    if d.causes:
        lines += ["", "most likely cause first:"]
        for i, c in enumerate(d.causes, 1):
            lines += [f"  {i}. {c.title}", f"     evidence: {c.evidence}", f"     fix: {c.fix}"]
    lines += [
        "",
        "OK: the API answered HTTP 200 to the first request"
        if d.api_ok
        else "NOT OK: the first API request did not return HTTP 200",
    ]
    return lines


def report_json(run: DoctorRun, redactor: Redactor) -> dict[str, Any]:
    f = run.facts
    p = f.profile
    token_endpoint = ""
    if f.authority is not None:
        token_endpoint = f.authority.discovery.token_endpoint
    curl: dict[str, str] = {}
    if token_endpoint and p.scenario != "automation":
        curl["token_request"] = token_request_curl(p, token_endpoint)
    if f.probe is not None:
        api_key = f.probe.token_header.lower() == "x-api-key"
        curl["probe"] = probe_curl(
            f.probe.url, method=f.probe.method, headers=p.probe.headers, api_key=api_key
        )
    doc: dict[str, Any] = {
        "tokenlab": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "run_id": run.run_id,
        "profile": profile_summary(p),
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
        "curl": curl,
    }
    masked: dict[str, Any] = redactor.json_value(doc)
    return masked


def _error(exc: TokenlabError | None) -> dict[str, str] | None:
    return None if exc is None else {"message": exc.message, "hint": exc.hint}


def report_markdown(doc: dict[str, Any], redactor: Redactor) -> str:
    p = doc["profile"]
    d = doc["diagnosis"]
    lines = [
        f"# tokenlab doctor: {p['name']}",
        "",
        f"- verdict: **{'the API answered 200' if d['api_ok'] else 'the API did not answer 200'}**",
        f"- scenario: {p['scenario']}, client `{p['client_id'] or '-'}`, auth `{p['auth_method']}`",
        f"- authority: {p['authority']}",
        f"- API: {p['api']}",
        f"- tokenlab {doc['tokenlab']}, {doc['created']}, run {doc['run_id']}",
        "",
        "## Checklist",
        "",
        "| | step | evidence |",
        "|---|---|---|",
    ]
    for s in d["steps"]:
        evidence = s["evidence"] + (f" *hint: {s['hint']}*" if s["hint"] else "")
        lines.append(f"| {STATUS_MARK[s['status']]} | {s['title']} | {_cell(evidence)} |")
    if d["causes"]:
        lines += ["", "## Most likely causes", ""]
        for i, c in enumerate(d["causes"], 1):
            lines.append(f"{i}. **{c['title']}**: {c['evidence']}. Fix: {c['fix']}")
    token = doc.get("token")
    if token:
        lines += [
            "",
            "## Token",
            "",
            f"`{token['token']}` ({token['kind']})",
            "",
            "| check | status | observed | expected | reason |",
            "|---|---|---|---|---|",
        ]
        for c in token.get("checks", []):
            lines.append(
                f"| {c['name']} | {c['status']} | {_cell(c['observed'])} | {_cell(c['expected'])} | {_cell(c['reason'])} |"
            )
    probe = doc.get("probe")
    if probe:
        v = probe["verdict"]
        lines += [
            "",
            "## API request",
            "",
            f"`{probe['request']['method']} {probe['request']['url']}` → HTTP {probe['status']} in {probe['elapsed_ms']:.0f} ms",
            "",
            f"{v['summary']}" + (f" ({v['hint']})" if v["hint"] else ""),
        ]
        for value in probe.get("www_authenticate", []):
            lines.append(f"\n`WWW-Authenticate: {value}`")
    if doc["exchanges"]:
        lines += ["", "## Exchanges", ""]
        for e in doc["exchanges"]:
            status = e["status"] if e["status"] is not None else f"failed: {e['error']}"
            lines.append(f"- `{e['method']} {e['url']}` → {status} ({e['elapsed_ms']:.0f} ms)")
    if doc["curl"]:
        lines += [
            "",
            "## Reproduce with curl",
            "",
            "Secrets are shell variables: set them from your own store first.",
            "",
        ]
        for name, command in doc["curl"].items():
            lines += [f"{name}:", "", "```sh", command, "```", ""]
    return redactor.text("\n".join(lines).rstrip() + "\n")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(doc: dict[str, Any], fmt: str, redactor: Redactor) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return report_markdown(doc, redactor)

"""What the Authority pane shows of an `AuthorityReport`, section by section, as plain `Text`.

Pure functions: the report (and the profile it was checked for) in, text out. The classification
says why, in words; the global-authority mistake is spelled out, as the platform's first rule.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text

from tokenlab.core.authority import (
    CLOCK_SKEW_WARNING_S,
    DEFAULT_GLOBAL_AUTHORITIES,
    AuthorityReport,
    Finding,
)
from tokenlab.core.errors import Remedy, RemedyKind, TokenlabError
from tokenlab.core.inspection.claims import printable
from tokenlab.core.profiles import Profile
from tokenlab.core.urls import is_loopback_host, join_url
from tokenlab.ui.flow_text import LEVEL_STYLE, advice

ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "device_authorization_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "end_session_endpoint",
    "jwks_uri",
)
KIND_TITLE = {
    "instance": "instance identity service",
    "global": "GLOBAL AUTHORITY: not for API tokens",
    "other": "other: not an instance identity service",
}
KIND_STYLE = {"instance": "bold green", "global": "bold white on red", "other": "bold yellow"}


def instance_authority(profile: Profile | None) -> str:
    return join_url(profile.instance, "id") if profile else ""


def kind_why(report: AuthorityReport, profile: Profile | None) -> str:
    """Why the authority is classified so, in words a newcomer can act on."""
    use = instance_authority(profile) or "https://{your-instance}/id"
    if report.kind == "instance":
        return (
            "Its address ends in /id and it is not a global authority: this is the instance's own "
            "identity service, the one that issues the tokens the instance's APIs accept."
        )
    if report.kind == "global":
        return (
            "It is on the list of global authorities (the platform's is "
            f"{DEFAULT_GLOBAL_AUTHORITIES[0]}). A global authority signs people in to the platform, "
            "but it never issues tokens for an instance's APIs: every API call made with its token "
            f"is refused (HTTP 401). Use the instance identity service instead: {use}"
        )
    return (
        "It is not a global authority, and its address does not end in /id as an instance identity "
        f"service's does. The instance's APIs accept only tokens from {use}; check that this is it."
    )


def head_text(profile: Profile | None, report: AuthorityReport | None) -> Text:
    text = Text()
    if profile is not None:
        text.append("profile    ", style="bold")
        text.append(f"{profile.name} ({profile.scenario})\n")
        text.append("instance   ", style="bold")
        text.append(printable(profile.instance) + "\n")
    authority = report.authority if report else (profile.authority if profile else "")
    text.append("authority  ", style="bold")
    text.append(printable(authority) or "-")
    if report and report.found_via:
        text.append(f"\n           found: {printable(report.found_via)}", style="dim")
    return text


def kind_text(report: AuthorityReport, profile: Profile | None) -> Text:
    text = Text(f" {KIND_TITLE[report.kind]} ", style=KIND_STYLE[report.kind])
    text.append("\n" + kind_why(report, profile))
    return text


def _with_instance(remedy: Remedy | None, profile: Profile | None) -> Remedy | None:
    """The global-authority remedy names the authority to use, when the profile tells it."""
    if remedy is None or profile is None or remedy.kind != RemedyKind.FIX_AUTHORITY:
        return remedy
    data = {"profile": profile.name, **{k: v for k, v in remedy.data.items() if v}}
    data.setdefault("url", instance_authority(profile))
    return Remedy(remedy.kind, data)


def finding_text(finding: Finding, profile: Profile | None) -> Text:
    mark = {"error": "✗ error", "warning": "! warning", "ok": "✓ ok"}.get(finding.level, "•")
    text = Text(f"{mark}: ", style=LEVEL_STYLE.get(finding.level, "bold"))
    text.append(printable(finding.message))
    return advice(text, finding.hint, _with_instance(finding.remedy, profile))


def findings_text(report: AuthorityReport, profile: Profile | None) -> Text:
    if not report.findings:
        return Text("✓ no warnings: discovery, keys and clock look right", style="green")
    text = Text(f"Warnings ({len(report.findings)})", style="bold underline")
    for finding in report.findings:
        text.append("\n")
        text.append_text(finding_text(finding, profile))
    return text


def _row(text: Text, label: str, value: str) -> None:
    text.append(f"\n{label:<12}", style="bold")
    text.append(printable(value) or "-")


def discovery_text(report: AuthorityReport) -> Text:
    d = report.discovery
    text = Text("Discovery", style="bold underline")
    _row(text, "issuer", d.issuer)
    _row(text, "grants", " ".join(d.list("grant_types_supported")))
    _row(text, "client auth", " ".join(d.list("token_endpoint_auth_methods_supported")))
    _row(text, "PKCE", " ".join(d.list("code_challenge_methods_supported")))
    _row(text, "scopes", " ".join(d.list("scopes_supported")))
    return text


def endpoints_text(report: AuthorityReport) -> Text:
    text = Text("Endpoints", style="bold underline")
    for name in ENDPOINTS:
        url = report.discovery.get(name)
        text.append(f"\n{name.removesuffix('_endpoint')}: ", style="bold")
        text.append(printable(url) if url else "(not offered)", style="" if url else "dim")
    return text


def keys_text(report: AuthorityReport) -> Text:
    text = Text(f"Signing keys ({len(report.keys)})", style="bold underline")
    for key in report.keys:
        size = f"{key.size} bits" if key.size else "size ?"
        text.append(f"\nkid {printable(key.kid) or '-'}  ", style="bold")
        text.append(
            f"{printable(key.alg) or '-'}  {printable(key.kty)} {size}  use {key.use or '-'}"
        )
    if not report.keys:
        text.append("\nnone: no token from here can be verified", style="bold red")
    return text


def clock_text(report: AuthorityReport) -> Text:
    text = Text("Clock  ", style="bold")
    skew = report.clock_skew_s
    if skew is None:
        return text.append("unknown (the server sent no Date header)", style="dim")
    direction = "ahead of" if skew > 0 else "behind"
    off = abs(skew) > CLOCK_SKEW_WARNING_S
    text.append(
        f"the server is {abs(skew):.1f} s {direction} this machine "
        + (f"(more than the {CLOCK_SKEW_WARNING_S:.0f} s tolerated)" if off else "(fine)"),
        style="bold yellow" if off else "green",
    )
    return text


def _plain_http(report: AuthorityReport) -> list[str]:
    urls = [report.authority, *(report.discovery.get(n) for n in ENDPOINTS)]
    return [u for u in urls if u and urlsplit(u).scheme == "http"]


def tls_text(report: AuthorityReport, profile: Profile | None) -> Text:
    text = Text("TLS", style="bold underline")
    plain = _plain_http(report)
    if not plain:
        text.append("\nevery endpoint is https", style="green")
    else:
        local = all(is_loopback_host(urlsplit(u).hostname or "") for u in plain)
        text.append(
            f"\n{len(plain)} address(es) use plain http"
            + (" on this machine (loopback: a test server)" if local else ": not encrypted"),
            style="yellow" if local else "bold red",
        )
    if profile is not None:
        tls = profile.tls
        trust = "the OS trust store" if tls.os_trust_store else "certifi's CA bundle"
        if tls.ca_bundle:
            trust += f" and {printable(tls.ca_bundle)}"
        if not tls.verify:
            text.append("\ncertificates are NOT verified (tls.verify is off)", style="bold red")
        else:
            text.append(f"\ncertificates verified against {trust}")
        if profile.allow_insecure:
            text.append("\nplain http to other hosts is allowed by the profile", style="yellow")
    return text


def error_text(error: TokenlabError) -> Text:
    text = Text("✗ the authority could not be checked: ", style="bold red")
    text.append(printable(error.message))
    return advice(text, error.hint, error.remedy)

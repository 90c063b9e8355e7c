"""One probe's answer: status and timing, the verdict and its ranked causes, the decoded
`WWW-Authenticate`, redirects, headers and the body (JSON highlighted, scrollable).

Everything in a `ProbeResult` is already masked by the core; server text is shown as plain
text (a JSON body through `Syntax`, which reads no markup).
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tokenlab.core.probing import ProbeResult
from tokenlab.core.probing.what_if import WhatIfResult
from tokenlab.core.www_authenticate import Challenge
from tokenlab.ui.widgets.marks import INDENT, causes_content, mark, remedy_line

CHALLENGE_PARAMS = ("realm", "error", "error_description", "scope", "resource_metadata")


def status_content(result: ProbeResult) -> Content:
    style = "$success" if result.ok else "$error"
    return Content.assemble(
        (f"{result.status} {result.reason}", f"bold {style}"),
        f" · {result.elapsed_ms:.1f} ms · {result.method} ",
        result.url,
    )


def verdict_content(result: ProbeResult) -> Content:
    verdict = result.verdict
    lines = [Content.assemble(mark("pass" if verdict.ok else "fail"), " ", verdict.summary)]
    if not verdict.causes:  # the causes carry their own fix and remedy
        if verdict.hint:
            lines.append(Content.assemble(INDENT, verdict.hint))
        if verdict.remedy is not None:
            lines.append(remedy_line(verdict.remedy))
    if verdict.missing_scopes:
        lines.append(
            Content.assemble(INDENT, ("missing scopes: ", "dim"), " ".join(verdict.missing_scopes))
        )
    return Content("\n").join(lines)


def challenge_lines(challenge: Challenge) -> list[Content]:
    lines = [Content.assemble(("  scheme ", "dim"), challenge.scheme)]
    if challenge.token68 is not None:
        lines.append(Content.assemble(("  token68 ", "dim"), challenge.token68))
    known = [(k, challenge.get(k)) for k in CHALLENGE_PARAMS]
    others = [(k, v) for k, v in challenge.params.items() if k not in CHALLENGE_PARAMS]
    for name, value in [*known, *others]:
        if value:
            lines.append(Content.assemble((f"  {name} ", "dim"), value))
    return lines


def challenges_content(result: ProbeResult) -> Content:
    if not result.challenges and not result.challenge_problem:
        return Content("")
    lines = [Content.styled("WWW-Authenticate", "bold")]
    for challenge in result.challenges:
        lines += challenge_lines(challenge)
    if result.challenge_problem:
        lines.append(Content.assemble(("  malformed: ", "$warning"), result.challenge_problem))
    return Content("\n").join(lines)


def redirects_content(result: ProbeResult) -> Content:
    if not result.redirects:
        return Content("")
    lines = [Content.styled("Redirects", "bold")]
    for hop in result.redirects:
        notes = [
            n
            for n, on in (
                ("a sign-in page", hop.sign_in),
                ("token not sent on", hop.credentials_dropped),
            )
            if on
        ]
        lines.append(
            Content.assemble(
                f"  {hop.status} {hop.url} → {hop.location}",
                (f"  ({'; '.join(notes)})" if notes else "", "$warning"),
            )
        )
    return Content("\n").join(lines)


def headers_content(result: ProbeResult) -> Content:
    lines = [Content.styled(f"Response headers ({len(result.headers)})", "bold")]
    lines += [Content.assemble((f"  {k}: ", "dim"), v) for k, v in result.headers]
    return Content("\n").join(lines)


def body_title(result: ProbeResult) -> Content:
    body = result.body
    about = f"{body.kind}, {body.size} bytes" + (", truncated" if body.truncated else "")
    extra = f" · page title: {body.title}" if body.title else ""
    if body.has_password_field:
        extra += " · has a password field (a sign-in page)"
    return Content.assemble(("Body ", "bold"), (f"({about})", "dim"), extra)


def body_renderable(result: ProbeResult) -> RenderableType:
    body = result.body
    if body.kind == "json":
        return Syntax(
            body.text, "json", theme="ansi_dark", word_wrap=True, background_color="default"
        )
    return Text(body.text or "(empty)")


def what_if_content(result: WhatIfResult) -> Content:
    """One line per variation: the answer it got (and whether it flipped), or why it did not
    apply; then what the flip means."""
    first = result.original
    lines = [
        Content.styled(f"What if (one change per replay; first answer {first.status})", "bold")
    ]
    if result.control is not None:  # the same call again: a flip here discredits the others
        style = "$warning" if result.control.ok else "$text-muted"
        lines.append(
            Content.assemble(
                "  unchanged ",
                (f"{first.status} → {result.control.status}", f"bold {style}"),
                ("  FLIPS" if result.control.ok else "  same", style),
                ("  the same call again (the control)", "dim"),
            )
        )
    for r in result.replays:
        if r.result is None:
            state = "not applicable" if r.applies is False else "not replayed"
            lines.append(Content.assemble(f"  {r.variation} ", (f"{state}: {r.why_not}", "dim")))
            continue
        style = "$success" if r.flipped else "$error"
        lines.append(
            Content.assemble(
                f"  {r.variation} ",
                (f"{first.status} → {r.result.status}", f"bold {style}"),
                ("  FLIPS" if r.flipped else "  same", style),
                (f"  {r.words}", "dim"),
            )
        )
    found = result.flips and not result.intermittent
    lines.append(Content.assemble(mark("pass" if found else "warn"), " ", result.summary))
    return Content("\n").join(lines)


class ProbeResultView(Vertical):
    """The answer of one probe, section by section."""

    def compose(self) -> ComposeResult:
        yield Static(id="probe-status")
        yield Static(id="probe-verdict")
        yield Static(id="probe-causes")
        yield Static(id="probe-what-if")
        yield Static(id="probe-challenges")
        yield Static(id="probe-redirects")
        yield Static(id="probe-response-headers")
        yield Static(id="probe-body-title")
        with VerticalScroll(id="probe-body"):
            yield Static(id="probe-body-text")

    def show_what_if(self, result: WhatIfResult) -> None:
        """The first answer as usual, with the replays under its ranked causes."""
        self.show(result.original)
        shown = self.query_one("#probe-what-if", Static)
        shown.update(what_if_content(result))
        shown.display = True

    def show(self, result: ProbeResult) -> None:
        sections = {
            "probe-what-if": Content(""),
            "probe-status": status_content(result),
            "probe-verdict": verdict_content(result),
            "probe-causes": causes_content(result.verdict.causes) if not result.ok else Content(""),
            "probe-challenges": challenges_content(result),
            "probe-redirects": redirects_content(result),
            "probe-response-headers": headers_content(result),
            "probe-body-title": body_title(result),
        }
        for widget_id, content in sections.items():
            static = self.query_one(f"#{widget_id}", Static)
            static.update(content)
            static.display = bool(content.plain)
        self.query_one("#probe-body-text", Static).update(body_renderable(result))
        self.query_one("#probe-body", VerticalScroll).scroll_home(animate=False)
        self.display = True

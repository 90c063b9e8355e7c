"""What the flow pane writes for each event, as plain `Text` (server words are never markup).

Pure functions from the core's events to text, so the pane only decides where they go.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text

from tokenlab.core.errors import Remedy
from tokenlab.core.events import FlowFailed, HttpExchange, Notice, TokenIssued
from tokenlab.core.inspection.claims import printable
from tokenlab.ui.remedies import render_remedy

LEVEL_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan", "ok": "green"}


def status_text(exchange: HttpExchange) -> Text:
    status = exchange.status
    if status is None:
        return Text("failed", style="bold red")
    style = "green" if status < 300 else "cyan" if status < 400 else "bold red"
    return Text(str(status), style=style)


def short_url(url: str) -> str:
    """Path and query (the host is the authority's, shown in the detail): the part that differs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return printable(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return printable(rest or url)


def exchange_cells(number: int, exchange: HttpExchange) -> tuple[Text, ...]:
    return (
        Text(str(number), style="dim"),
        Text(printable(exchange.method), style="bold"),
        status_text(exchange),
        Text(f"{exchange.elapsed_ms:.0f}", justify="right"),
        Text(short_url(exchange.url)),
    )


def advice(text: Text, hint: str, remedy: Remedy | None) -> Text:
    """The reason and the next step, in this console's words, under a line."""
    if hint:
        text.append("\n  why: ", style="bold")
        text.append(printable(hint))
    rendered = render_remedy(remedy)
    if rendered:
        text.append("\n  next: ", style="bold")
        text.append(rendered)
    return text


def notice_text(notice: Notice) -> Text:
    level = "warning" if notice.level == "warning" else "info"
    label = "warning" if level == "warning" else "note"
    topic = f" ({notice.topic})" if notice.topic else ""
    text = Text(f"{label}{topic}: ", style=LEVEL_STYLE[level])
    text.append(printable(notice.message))
    return advice(text, notice.hint, notice.remedy)


def failure_text(failure: FlowFailed) -> Text:
    if failure.cancelled:
        return Text("cancelled", style="bold yellow")
    code = f" [{printable(failure.error)}]" if failure.error else ""
    text = Text(f"failed{code}: ", style="bold red")
    text.append(printable(failure.message))
    return advice(text, failure.hint, failure.remedy)


def token_text(token: TokenIssued) -> Text:
    life = f", expires in {token.expires_in} s" if token.expires_in is not None else ""
    scopes = " ".join(token.scopes) or "-"
    text = Text("token issued: ", style="bold green")
    text.append(f"{printable(token.token_type)} {token.masked_token} (scope {scopes}{life})")
    return text


FINISHED = {  # what a run that went well did, by flow
    "revoke": "finished: the tokens held were revoked",
    "sign-out": "finished: the tokens held were revoked; open the address below to sign out",
}


def finished_text(ok: bool, flow: str = "") -> Text:
    if ok:
        words = FINISHED.get(flow, "finished: a token was issued (the Token pane shows it)")
        return Text(words, style="green")
    return Text("finished: no token" if flow not in FINISHED else "finished", style="dim")

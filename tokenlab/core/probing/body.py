"""A response body made safe to show: decoded, masked, control characters escaped, truncated."""

from __future__ import annotations

import json
import re

import httpx

from tokenlab.core.json_text import JsonTextError, loads
from tokenlab.core.probing.result import ProbeBody
from tokenlab.core.redact import Redactor
from tokenlab.core.terminal_text import inert

_PASSWORD_INPUT = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>([^<]{0,200})", re.IGNORECASE)


def render_body(response: httpx.Response, redactor: Redactor, limit: int) -> ProbeBody:
    raw = response.content
    ctype = response.headers.get("content-type", "")
    media = ctype.split(";")[0].strip().lower()
    if not raw:
        return ProbeBody("empty", ctype, 0, "")
    text = _decode(raw, response.charset_encoding)
    if text is None:
        head = " ".join(f"{b:02x}" for b in raw[:8])
        return ProbeBody(
            "binary", ctype, len(raw), f"<{len(raw)} bytes of binary data, starting {head}>"
        )
    if media.endswith("json") or (not media and text.lstrip()[:1] in ("{", "[")):
        try:
            data = redactor.json_value(loads(text))
        except JsonTextError:
            pass  # said JSON, is not (or nests absurdly deep): show it as text
        else:
            pretty = json.dumps(data, indent=2, ensure_ascii=False)
            shown, cut = truncate(printable(pretty), limit)
            return ProbeBody("json", ctype, len(raw), shown, cut, data=data)
    html = "html" in media or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    shown, cut = truncate(printable(redactor.text(text)), limit)
    if html:
        title = _TITLE.search(text)
        return ProbeBody(
            "html",
            ctype,
            len(raw),
            shown,
            cut,
            title=printable(redactor.text(title.group(1).strip())) if title else "",
            has_password_field=bool(_PASSWORD_INPUT.search(text)),
        )
    return ProbeBody("text", ctype, len(raw), shown, cut)


def _decode(raw: bytes, charset: str | None) -> str | None:
    """Text, or None for binary data (a NUL byte, or bytes that are not in the charset)."""
    if b"\x00" in raw[:4096]:
        return None
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


# Control characters escaped (`\x1b`): a body must not drive the terminal. The one rule.
printable = inert


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a line end when one is near (never mid-character)."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = limit
    return text[:cut] + f"\n… {len(text) - cut} more characters", True

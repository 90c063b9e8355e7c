"""What a token endpoint's answer means on this platform, and what to check next.

The meanings live in the table of causes (`tokenlab.core.causes.token_endpoint`, from the table
in platform-identity.md); this module reads an answer and asks the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tokenlab.core.json_text import JsonTextError, loads
from tokenlab.core.redact import mask_tokens
from tokenlab.core.refusal import TokenEndpointError

# The table of causes (and its evidence classes) loads only when an answer is a refusal: a run
# that gets its token never needs it (~6 ms of a cold `tokenlab token`).

__all__ = [
    "Answer",
    "TokenEndpointError",
    "explain",
    "explanation_json",
    "read_answer",
]


@dataclass(frozen=True)
class Answer:
    """A token endpoint answer reduced to what explanation needs."""

    status: int
    error: str
    description: str
    kind: str  # "json" | "html" | "empty" | "text"
    snippet: str = ""


def read_answer(
    status: int, content_type: str, body: bytes, redact: Callable[[str], str] = mask_tokens
) -> Answer:
    """The answer reduced to its OAuth error, or a short snippet. A 200 that is not a JSON object
    (a form, an array, an anti-XSSI prefix) may hold whole tokens, and an error may echo a secret:
    what is quoted is masked by `redact` (a flow passes its redactor, which knows the secrets)
    *before* it is cut, since a cut token or secret no longer looks like one. Control characters
    stay: each face makes the text inert where it shows it (JSON keeps the server's words)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return Answer(status, "", "", "empty")
    try:
        data: Any = loads(text)
    except JsonTextError:  # not JSON, or hostile JSON (too deep, too long a number)
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        desc = data.get("error_description") or data.get("message") or ""
        return Answer(
            status, error if isinstance(error, str) else "", redact(str(desc))[:300], "json"
        )
    if "html" in content_type or text[:1] == "<":
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        return Answer(status, "", "", "html", redact(title.group(1).strip() if title else "")[:120])
    return Answer(status, "", "", "text", redact(text)[:120])


def explain(
    answer: Answer,
    *,
    flow: str,
    client_id: str,
    scopes: tuple[str, ...],
    public_client: bool,
    speaker: str = "the token endpoint",
    client_auth: str = "",
    key_id: str = "",
    assertion_audience: str = "",
) -> TokenEndpointError:
    """The OAuth error in the platform's terms: what it means here and what to check first.

    `speaker` names who sent the OAuth error (the authorize endpoint reuses this table)."""
    from tokenlab.core.causes import Evidence, TokenEndpointEvidence
    from tokenlab.core.causes.model import lower_first
    from tokenlab.core.causes.table import rank

    evidence = TokenEndpointEvidence(
        error=answer.error,
        description=answer.description,
        status=answer.status,
        answer_kind=answer.kind,
        snippet=answer.snippet,
        flow=flow,
        client_id=client_id,
        scopes=scopes,
        public_client=public_client,
        speaker=speaker,
        client_auth=client_auth,
        key_id=key_id,
        assertion_audience=assertion_audience,
    )
    (cause, *_) = rank(Evidence(flow=flow, token_endpoint=evidence))
    what = lower_first(cause.title)
    message = f"{evidence.said}: {what}" if answer.error and answer.kind == "json" else what
    return TokenEndpointError(
        message,
        cause.fix,
        error=answer.error,
        description=answer.description,
        status=answer.status,
        remedy=cause.remedy,
        cause=cause.key,
        evidence=evidence,
    )


def explanation_json(exc: TokenEndpointError) -> dict[str, Any]:
    return {
        "error": exc.error,
        "error_description": exc.description,
        "status": exc.status,
        "message": exc.message,
        "hint": exc.hint,
        "cause": exc.cause,
        "remedy": exc.remedy.to_json() if exc.remedy else None,
    }

"""API probing: send one request with a token, and say plainly whether the API accepted it.

`send` (the request, redirects followed by hand, the token only to the first origin), `body`
(printable bodies), `verdict` (the answer as evidence, read by the table of causes), `repeat`
(N probes with latency statistics), `result` (what they return).
"""

from tokenlab.core.probing.body import printable, render_body, truncate
from tokenlab.core.probing.repeat import (
    MAX_REPEAT,
    MAX_REPEAT_SECONDS,
    RepeatResult,
    percentile,
    repeat_probe,
)
from tokenlab.core.probing.result import ProbeBody, ProbeError, ProbeResult, RedirectHop, Verdict
from tokenlab.core.probing.send import (
    BODY_EXCERPT_CHARS,
    MAX_REDIRECTS,
    TokenHeader,
    is_sign_in_url,
    probe,
    probe_url,
    request_headers,
)
from tokenlab.core.probing.verdict import api_evidence, judge

__all__ = [
    "BODY_EXCERPT_CHARS",
    "MAX_REDIRECTS",
    "MAX_REPEAT",
    "MAX_REPEAT_SECONDS",
    "ProbeBody",
    "ProbeError",
    "ProbeResult",
    "RedirectHop",
    "RepeatResult",
    "TokenHeader",
    "Verdict",
    "api_evidence",
    "is_sign_in_url",
    "judge",
    "percentile",
    "printable",
    "probe",
    "probe_url",
    "render_body",
    "repeat_probe",
    "request_headers",
    "truncate",
]

"""One table of causes: evidence in, ranked causes (each with a fix and a remedy) out.

    rank(Evidence(api=..., token=..., authority=..., clocks=...)) -> (Cause, ...)

`token_endpoint`, `api`, `token`, `run` and `clock_rules` hold the rules and meanings by kind of
evidence; `table` puts them together; `api_words` reads the API's own words; `clocks` says
which clock is off.
"""

from typing import TYPE_CHECKING, Any

from tokenlab.core.causes.clocks import ClockJudgement, judge_clocks, token_clock_offset
from tokenlab.core.causes.evidence import (
    ApiEvidence,
    BusinessError,
    Evidence,
    RegistrationEvidence,
    RegistrationFact,
    TokenEndpointEvidence,
)
from tokenlab.core.causes.model import Cause
from tokenlab.core.scopes import LEGACY_SCOPES, PROTOCOL_SCOPES

if TYPE_CHECKING:
    from tokenlab.core.causes.api_words import read_words
    from tokenlab.core.causes.table import MEANINGS, RULES, rank, top_cause

# The table and the API's words load on first use: a flow that succeeds never needs them, and
# they are a fifth of a cold `tokenlab token`.
_LAZY = {
    "read_words": "api_words",
    "MEANINGS": "table",
    "RULES": "table",
    "rank": "table",
    "top_cause": "table",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "LEGACY_SCOPES",
    "MEANINGS",
    "PROTOCOL_SCOPES",
    "RULES",
    "ApiEvidence",
    "BusinessError",
    "Cause",
    "ClockJudgement",
    "Evidence",
    "RegistrationEvidence",
    "RegistrationFact",
    "TokenEndpointEvidence",
    "judge_clocks",
    "rank",
    "read_words",
    "token_clock_offset",
    "top_cause",
]

"""`TokenEndpointError`: the identity service refused a request, in the platform's terms.

Its own module so that a run that gets its token never loads the explanation (`explain.py`)
or the table of causes behind it: only a refusal needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokenlab.core.errors import Remedy, TokenlabError

if TYPE_CHECKING:
    from tokenlab.core.causes import TokenEndpointEvidence


class TokenEndpointError(TokenlabError):
    """The identity service refused a request; carries the OAuth error and our explanation."""

    def __init__(
        self,
        message: str,
        hint: str,
        *,
        error: str = "",
        description: str = "",
        status: int | None = None,
        remedy: Remedy | None = None,
        cause: str = "",
        evidence: TokenEndpointEvidence | None = None,
    ) -> None:
        super().__init__(message, hint, remedy)
        self.error = error
        self.description = description
        self.status = status
        self.cause = cause  # the key of the cause in the table ("" when not explained by it)
        self.evidence = evidence  # what the diagnosis reads again, with the rest of the run

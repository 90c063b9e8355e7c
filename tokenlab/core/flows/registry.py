"""Flow name -> the function that runs it, resolved lazily so one run imports one flow module.

Every flow function takes a `FlowContext` and returns a `FlowResult`.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the flows' types would import httpx: resolve() does that when needed
    from tokenlab.core.flows.base import FlowContext
    from tokenlab.core.token_set import FlowResult

FlowFunction = Callable[["FlowContext"], Awaitable["FlowResult"]]

FLOW_TARGETS: dict[str, str] = {
    "client-credentials": "tokenlab.core.flows.client_credentials:run_client_credentials",
    "auth-code": "tokenlab.core.flows.authcode:run_auth_code",
    "portal": "tokenlab.core.flows.portal:run_portal",
    "device": "tokenlab.core.flows.device:run_device",
    "refresh": "tokenlab.core.flows.refresh:run_refresh",
    "reference-token": "tokenlab.core.flows.reference_token:run_reference_token",
}


def resolve(name: str) -> FlowFunction:
    module_name, _, attr = FLOW_TARGETS[name].partition(":")
    function: FlowFunction = getattr(importlib.import_module(module_name), attr)
    return function

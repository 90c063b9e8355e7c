"""The doctor on many profiles at once: one event loop, a bound on profiles in flight and on
requests per host, discovery and keys shared per authority, one row per profile as it finishes.

Only what runs unattended is run (`plan.py`): a profile that needs a person to sign in gets a
"needs sign-in" row instead of a browser the fleet would wait on forever.
"""

from tokenlab.core.fleet.plan import NEEDS_SIGN_IN, unattended_flow
from tokenlab.core.fleet.rows import FleetRow, FleetRowDone, FleetRowStarted, Outcome
from tokenlab.core.fleet.runner import (
    DEFAULT_PARALLEL,
    DEFAULT_PER_HOST,
    FleetResult,
    run_fleet,
    select_names,
)

__all__ = [
    "DEFAULT_PARALLEL",
    "DEFAULT_PER_HOST",
    "NEEDS_SIGN_IN",
    "FleetResult",
    "FleetRow",
    "FleetRowDone",
    "FleetRowStarted",
    "Outcome",
    "run_fleet",
    "select_names",
    "unattended_flow",
]

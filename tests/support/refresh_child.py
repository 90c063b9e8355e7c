"""One process refreshing a profile, for the refresh-lock tests: `python -m
tests.support.refresh_child PROFILE [--no-lock]`. Prints one line of JSON: ok, or the refusal
with what the flow knew; hashes of tokens only, never a token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from typing import Any

from tokenlab.core.events import Bus
from tokenlab.core.explain import TokenEndpointError
from tokenlab.core.flows.base import FlowContext
from tokenlab.core.flows.refresh import RefreshTokenRefusedError, refresh
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.profiles import ProfileStore
from tokenlab.core.secrets import SecretStore


def digest(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


async def main(name: str, lock: bool) -> dict[str, Any]:
    profile = ProfileStore().load(name)
    secrets, bus = SecretStore(env={}), Bus()
    options = HttpOptions.from_profile(profile)
    async with build_client(options, bus=bus, run_id="child", redactor=secrets.redactor) as client:
        ctx = FlowContext(profile, secrets, bus, "child", client, flow="refresh")
        try:
            token = await refresh(ctx, lock=lock)
        except RefreshTokenRefusedError as exc:
            return {
                "ok": False,
                "error": exc.error,
                "description": exc.description,
                "message": exc.message,
                "refresh": exc.attempt.to_json(),
                "facts": exc.attempt.facts(),
            }
        except TokenEndpointError as exc:
            return {"ok": False, "error": exc.error, "message": exc.message}
    return {"ok": True, "new_refresh_token": digest(token.refresh_token)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], "--no-lock" not in sys.argv))))

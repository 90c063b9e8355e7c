"""Read a registration as an administrator: get the admin profile's token, then the entity.

Apart from `registration` so that the comparison (which the diagnosis reads) stays below the
flows; only this module runs one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokenlab.core.events import new_run_id
from tokenlab.core.flows.runner import run_flow
from tokenlab.core.http import HttpOptions, build_client
from tokenlab.core.trusted_app.registration import DEFAULT_ENTITY, Registration, read_registration

if TYPE_CHECKING:
    from tokenlab.core.events import Bus
    from tokenlab.core.profiles import Profile
    from tokenlab.core.secrets import SecretStore


async def fetch_registration(
    admin: Profile,
    client_id: str,
    *,
    secrets: SecretStore,
    bus: Bus,
    entity: str = DEFAULT_ENTITY,
) -> Registration | None:
    """Get a token for the administrator profile, then read the registration of `client_id`."""
    run_id = new_run_id()
    options = HttpOptions.from_profile(admin)
    async with build_client(options, bus=bus, run_id=run_id, redactor=secrets.redactor) as client:
        flow = await run_flow(admin, secrets=secrets, bus=bus, client=client, run_id=run_id)
        token = flow.api_token.access_token
        return await read_registration(
            client, admin.api, token, client_id, entity=entity, admin=admin.name
        )

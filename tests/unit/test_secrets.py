from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.support.keyrings import LockedKeyring, MemoryKeyring
from tokenlab.commands.remedies import hint_with_remedy
from tokenlab.core.errors import RemedyKind, SecretMissingError, SecretStoreError, remedy
from tokenlab.core.events import Bus, Notice
from tokenlab.core.secrets import SecretKind, SecretStore

CANARY = "canary-SECRET-7f3a9c1e5b"


def test_keyring_is_used_with_one_entry_per_profile_and_kind(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore(env={})
    where = store.store("acme", SecretKind.CLIENT_SECRET, CANARY)
    assert where.source == "keyring" and "MemoryKeyring" in where.detail
    assert memory_keyring.values == {("tokenlab", "acme:client-secret"): CANARY}
    assert store.get("acme", SecretKind.CLIENT_SECRET) == CANARY
    assert store.get("acme", SecretKind.REFERENCE_TOKEN) is None
    assert store.get("other", SecretKind.CLIENT_SECRET) is None
    assert store.delete("acme", SecretKind.CLIENT_SECRET) is True
    assert store.delete("acme", SecretKind.CLIENT_SECRET) is False
    assert memory_keyring.values == {}


def test_a_store_without_the_keyring_keeps_secrets_in_memory_only(
    memory_keyring: MemoryKeyring,
) -> None:
    # the demo's: a refresh token kept for its console must not outlive it in the OS keyring
    bus = Bus()
    store = SecretStore(bus=bus, env={}, use_keyring=False)
    with bus.collect(Notice) as notices:
        where = store.store("demo-web-app", SecretKind.REFRESH_TOKEN, CANARY, memory_fallback=True)
        store.get("demo-web-app", SecretKind.CLIENT_SECRET)
    assert notices == []  # memory only was chosen: no "no keyring, falling back" warning
    assert where.source == "memory"
    assert store.get("demo-web-app", SecretKind.REFRESH_TOKEN) == CANARY
    assert memory_keyring.values == {}  # a working keyring, left untouched
    assert not store.backend_status().usable
    assert "memory only" in store.backend_status().describe()


def test_backend_status_describes_a_working_keyring() -> None:
    status = SecretStore().backend_status()
    assert status.usable and "MemoryKeyring" in status.name
    assert status.describe().startswith("OS keyring")


def test_without_a_keyring_it_says_so_once_and_falls_back_to_the_environment() -> None:
    keyring.set_keyring(fail.Keyring())
    bus = Bus()
    with bus.collect(Notice) as notices:
        store = SecretStore(bus=bus, env={"TOKENLAB_CLIENT_SECRET": CANARY})
        status = store.backend_status()
        assert not status.usable and "keyring.backends.fail.Keyring" in status.describe()
        value, where = store.lookup("acme", SecretKind.CLIENT_SECRET)
        store.lookup("acme", SecretKind.KEY_PASSPHRASE)
        store.lookup("other", SecretKind.CLIENT_SECRET)
    assert (
        value == CANARY
        and where.source == "environment"
        and where.detail == "TOKENLAB_CLIENT_SECRET"
    )
    assert len(notices) == 1
    notice = notices[0]
    assert isinstance(notice, Notice) and notice.topic == "secrets"
    assert "fail.Keyring" in notice.message and "environment" in notice.hint
    assert notice.remedy is not None and notice.remedy.kind == RemedyKind.GIVE_SECRET_FOR_RUN
    assert "TOKENLAB_CLIENT_SECRET" in notice.remedy.get("env")
    shown = hint_with_remedy(notice.hint, notice.remedy)  # what the CLI prints
    assert "--secret-stdin" in shown and "TOKENLAB_CLIENT_SECRET" in shown
    assert CANARY not in notice.message + shown


def test_storing_without_a_keyring_refuses_and_writes_nothing(
    isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore(env={})
    with pytest.raises(SecretStoreError) as err:
        store.store("acme", SecretKind.CLIENT_SECRET, CANARY)
    assert "nothing was written" in err.value.hint
    assert CANARY not in str(err.value)
    assert not any(
        CANARY in p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file()
    )


def test_a_locked_keyring_falls_back_to_memory_for_this_run() -> None:
    keyring.set_keyring(LockedKeyring())
    bus = Bus()
    with bus.collect(Notice) as notices:
        store = SecretStore(bus=bus, env={})
        assert store.get("acme", SecretKind.REFRESH_TOKEN) is None
        where = store.store("acme", SecretKind.REFRESH_TOKEN, CANARY, memory_fallback=True)
        assert where.source == "memory"
        assert store.get("acme", SecretKind.REFRESH_TOKEN) == CANARY
    assert "locked" in store.backend_status().reason
    assert len(notices) == 1


def test_memory_wins_over_keyring_and_keyring_over_environment() -> None:
    store = SecretStore(env={"TOKENLAB_CLIENT_SECRET": "from-env"})
    assert store.where("acme", SecretKind.CLIENT_SECRET).source == "environment"
    store.store("acme", SecretKind.CLIENT_SECRET, "from-keyring")
    assert store.get("acme", SecretKind.CLIENT_SECRET) == "from-keyring"
    store.remember("acme", SecretKind.CLIENT_SECRET, "from-stdin")
    assert store.lookup("acme", SecretKind.CLIENT_SECRET) == (
        "from-stdin",
        store.where("acme", SecretKind.CLIENT_SECRET),
    )
    assert store.where("acme", SecretKind.CLIENT_SECRET).source == "memory"


def test_public_demo_values_come_after_the_keyring_and_are_labelled() -> None:
    store = SecretStore(env={})
    value, where = store.lookup(
        "demo-service-app", SecretKind.CLIENT_SECRET, public_value="demo-secret"
    )
    assert value == "demo-secret" and where.source == "public-demo-value"


def test_require_names_the_ways_to_provide_a_missing_secret() -> None:
    with pytest.raises(SecretMissingError) as err:
        SecretStore(env={}).require("acme", SecretKind.CLIENT_SECRET)
    assert "TOKENLAB_CLIENT_SECRET" in err.value.hint and "--" not in err.value.hint
    assert err.value.remedy == remedy(
        RemedyKind.STORE_SECRET, profile="acme", kind="client-secret", env="TOKENLAB_CLIENT_SECRET"
    )
    shown = hint_with_remedy(err.value.hint, err.value.remedy)
    assert "tokenlab secret set acme --kind client-secret" in shown and "--secret-stdin" in shown


def test_a_run_view_tells_each_run_bus_once_and_shares_everything_else() -> None:
    """The console keeps one store for its life; each run sees the keyring notice on its bus."""
    keyring.set_keyring(fail.Keyring())
    console_store = SecretStore(env={"TOKENLAB_CLIENT_SECRET": CANARY})
    first_bus, second_bus = Bus(), Bus()
    with first_bus.collect(Notice) as first, second_bus.collect(Notice) as second:
        run1 = console_store.for_run(first_bus, "run-1")
        run1.get("acme", SecretKind.CLIENT_SECRET)
        run1.get("acme", SecretKind.CLIENT_SECRET)
        run1.remember("acme", SecretKind.REFRESH_TOKEN, "rt-" + CANARY)
        run2 = console_store.for_run(second_bus, "run-2")
        assert run2.get("acme", SecretKind.REFRESH_TOKEN) == "rt-" + CANARY  # shared memory
        run2.get("acme", SecretKind.CLIENT_SECRET)
    assert [(n.run_id, n.topic) for n in first] == [("run-1", "secrets")]  # type: ignore[attr-defined]
    assert [(n.run_id, n.topic) for n in second] == [("run-2", "secrets")]  # type: ignore[attr-defined]
    assert console_store.get("acme", SecretKind.REFRESH_TOKEN) == "rt-" + CANARY
    assert "rt-" + CANARY not in console_store.redactor.text("rt-" + CANARY)  # one redactor


def test_a_run_on_the_store_own_bus_is_told_only_once() -> None:
    """The CLI's store and its runs share one bus: the notice is printed once, not per view."""
    keyring.set_keyring(fail.Keyring())
    bus = Bus()
    with bus.collect(Notice) as notices:
        store = SecretStore(bus=bus, run_id="cli", env={})
        store.get("acme", SecretKind.CLIENT_SECRET)
        store.for_run(bus, "run-1").get("acme", SecretKind.CLIENT_SECRET)
        store.for_run(bus, "run-2").get("acme", SecretKind.CLIENT_SECRET)
    assert len(notices) == 1


def test_every_value_handed_out_is_known_to_the_redactor() -> None:
    store = SecretStore(env={"TOKENLAB_REFERENCE_TOKEN": "enrt_" + CANARY})
    store.store("acme", SecretKind.CLIENT_SECRET, CANARY + "-1")
    store.get("acme", SecretKind.REFERENCE_TOKEN)
    text = store.redactor.text(f"echo {CANARY}-1 and enrt_{CANARY}")
    assert CANARY not in text


def test_status_lists_every_kind_and_never_a_value() -> None:
    store = SecretStore(env={})
    store.store("acme", SecretKind.CLIENT_SECRET, CANARY)
    status = {loc.kind.value: loc.to_json() for loc in store.status("acme")}
    assert set(status) == {"client-secret", "reference-token", "key-passphrase", "refresh-token"}
    assert status["client-secret"]["source"] == "keyring"
    assert status["reference-token"]["source"] == "missing"
    assert CANARY not in repr(status)

"""Profile names and header names are matched whole, creating a profile is exclusive across
processes, and a profiles directory open to others is made private (or warned about)."""

from __future__ import annotations

import multiprocessing
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tokenlab.core.errors import ProfileError, ProfileExistsError
from tokenlab.core.events import Bus, Notice
from tokenlab.core.profiles import ProbeRequest, ProfileStore, check_name, new_profile

ADD = ("--instance", "https://acme.my.erp.net", "--scenario", "service-app", "--client-id", "c/x")


@pytest.mark.parametrize("name", ["nl\n", "acme\n", "a\r", "ok\x00"])
def test_a_name_with_a_trailing_line_break_is_refused_and_no_file_appears(
    name: str, cli: Any, isolated_dirs: dict[str, Path]
) -> None:
    with pytest.raises(ProfileError, match="is not valid"):
        check_name(name)
    r: CliResult = cli("profiles", "add", name, *ADD)
    assert r.code == 2 and "is not valid" in r.err
    profiles = isolated_dirs["config"] / "profiles"
    assert not profiles.exists() or os.listdir(profiles) == []


@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ((("Accept\n", "application/json"),), "probe header name"),
        ((("X-Trace", "1\r\nX-Injected: yes"),), "line break in its value"),
        ((("X-Trace", "1\nmore"),), "line break in its value"),
    ],
)
def test_header_names_and_values_are_one_line(headers: Any, needle: str) -> None:
    profile = new_profile(
        "acme", "https://acme.my.erp.net", "service-app", client_id="c/x",
        probe=ProbeRequest(headers=headers),
    )  # fmt: skip
    with pytest.raises(ProfileError, match=needle) as caught:
        ProfileStore().create(profile)
    assert "X-Injected" not in caught.value.message  # the value is never repeated
    assert ProfileStore().names() == []


# --- two processes creating the same profile --------------------------------------------------

ROUNDS = 25


def _racer(barrier: Any, results: Any, config: str) -> None:
    """One process: each round, wait for the other, then `tokenlab profiles add race-N`."""
    import io

    from tokenlab.cli import main

    os.environ["TOKENLAB_CONFIG_DIR"] = config
    for n in range(ROUNDS):
        out, err = io.StringIO(), io.StringIO()
        barrier.wait(timeout=30)
        code = main(["profiles", "add", f"race-{n}", *ADD], stdout=out, stderr=err)
        results.put((n, os.getpid(), code, out.getvalue(), err.getvalue()))


@pytest.mark.slow
def test_two_processes_creating_the_same_profile_exactly_one_wins(
    isolated_dirs: dict[str, Path],
) -> None:
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(2), mp.Queue()
    config = str(isolated_dirs["config"])
    procs = [mp.Process(target=_racer, args=(barrier, results, config)) for _ in range(2)]
    for p in procs:
        p.start()
    rows = [results.get(timeout=60) for _ in range(2 * ROUNDS)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    for n in range(ROUNDS):
        this_round = [r for r in rows if r[0] == n]
        created = [r for r in this_round if "created profile" in r[3]]
        refused = [r for r in this_round if r[2] == 2 and "already exists" in r[4]]
        assert len(created) == 1 and len(refused) == 1, this_round
        assert created[0][2] == 0
    store = ProfileStore()
    assert store.names() == sorted(f"race-{n}" for n in range(ROUNDS))
    assert all(store.load(name).client_id == "c/x" for name in store.names())
    leftovers = [f for f in os.listdir(store.dir) if not f.endswith(".toml")]
    assert leftovers == []  # no temp file left behind by the loser


def test_create_refuses_a_name_taken_after_its_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before writing is only a courtesy: the write itself refuses a taken name."""
    store = ProfileStore()
    profile = new_profile("acme", "https://acme.my.erp.net", "service-app", client_id="c/x")
    monkeypatch.setattr(store, "_refuse_existing", lambda name, action: None)
    store.create(profile)
    with pytest.raises(ProfileExistsError, match="already exists"):
        store.create(replace(profile, client_id="c/other"))
    assert store.load("acme").client_id == "c/x"  # the first one is not lost


# --- the profiles directory's permissions -----------------------------------------------------


def _notices(bus: Bus) -> list[Notice]:
    seen: list[Notice] = []
    bus.subscribe(seen.append, Notice)
    return seen


def test_an_open_profiles_directory_is_made_private_and_said_once(
    cli: Any, isolated_dirs: dict[str, Path]
) -> None:
    profiles = isolated_dirs["config"] / "profiles"
    profiles.mkdir(parents=True)
    profiles.chmod(0o755)
    r: CliResult = cli("profiles", "add", "acme", *ADD)
    assert r.code == 0
    assert "was open to others (mode 0755)" in r.err and "made it private (0700)" in r.err
    assert stat.S_IMODE(profiles.stat().st_mode) == 0o700
    assert stat.S_IMODE((profiles / "acme.toml").stat().st_mode) == 0o600
    again: CliResult = cli("profiles", "list")
    assert again.code == 0 and "open to others" not in again.err


def test_reading_an_open_profiles_directory_also_tightens_it(
    isolated_dirs: dict[str, Path],
) -> None:
    store = ProfileStore(bus=(bus := Bus()))
    seen = _notices(bus)
    store.create(new_profile("acme", "https://acme.my.erp.net", "service-app", client_id="c/x"))
    store.dir.chmod(0o750)
    reader = ProfileStore(bus=bus)
    reader.load("acme")
    reader.names()
    assert len(seen) == 1 and "mode 0750" in seen[0].message
    assert stat.S_IMODE(store.dir.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="needs root to chown")
def test_an_open_directory_of_another_user_is_warned_about_not_changed(
    isolated_dirs: dict[str, Path],
) -> None:
    profiles = isolated_dirs["config"] / "profiles"
    profiles.mkdir(parents=True)
    profiles.chmod(0o777)
    os.chown(profiles, 4242, 4242)
    bus = Bus()
    seen = _notices(bus)
    ProfileStore(bus=bus).names()
    assert len(seen) == 1
    notice = seen[0]
    assert notice.level == "warning" and "belongs to another user" in notice.message
    assert "others can change the profiles" in notice.message
    assert "chmod 700" in notice.hint
    assert stat.S_IMODE(profiles.stat().st_mode) == 0o777  # not ours: left as it is


def test_a_store_for_another_bus_tells_that_bus(isolated_dirs: dict[str, Path]) -> None:
    cli_bus, console_bus = Bus(), Bus()
    heard_by_cli, heard_by_console = _notices(cli_bus), _notices(console_bus)
    store = ProfileStore(bus=cli_bus)
    store.dir.mkdir(parents=True)
    store.dir.chmod(0o755)
    console_store = store.with_bus(console_bus)
    assert console_store.root == store.root and console_store.names() == []
    assert heard_by_cli == [] and len(heard_by_console) == 1

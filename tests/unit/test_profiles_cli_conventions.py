"""`profiles list` as a table, `profiles rm` that asks, and "did you mean" for a mistyped name."""

from __future__ import annotations

import io

import pytest

from tokenlab.cli import main


class Terminal(io.StringIO):
    """Standard input that is a terminal, with what the user types."""

    def isatty(self) -> bool:
        return True


def _add(cli: object, name: str, client_id: str = "c1") -> None:
    r = cli("profiles", "add", name, "--instance", "https://acme.example",  # type: ignore[operator]
            "--scenario", "service-app", "--client-id", client_id)  # fmt: skip
    assert r.code == 0, r.err


def test_list_has_a_header_and_columns_that_do_not_drift(cli: object) -> None:
    _add(cli, "short", "c1")
    _add(cli, "a-much-longer-name", "x" * 200)
    lines = cli("profiles", "list").out.splitlines()  # type: ignore[operator]
    assert lines[0].split() == ["NAME", "SCENARIO", "CLIENT", "ID", "AUTHORITY"]
    starts = {line.index("https://") for line in lines[1:]}
    assert len(starts) == 1  # the authority column starts at one place on every row
    assert lines[0].index("AUTHORITY") in starts
    assert "x" * 39 + "…" in lines[1] and "x" * 41 not in lines[1]  # capped, ellipsized


def _rm(name: str, *extra: str, stdin: io.StringIO) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["profiles", "rm", name, *extra], stdin=stdin, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_rm_asks_on_a_terminal_and_no_keeps_the_profile(cli: object) -> None:
    _add(cli, "acme")
    code, _, err = _rm("acme", stdin=Terminal("n\n"))
    assert code == 1 and "Delete profile 'acme'? [y/N]" in err and "nothing was deleted" in err
    assert cli("profiles", "show", "acme").code == 0  # type: ignore[operator]
    code, out, _ = _rm("acme", stdin=Terminal("y\n"))
    assert code == 0 and "deleted profile 'acme'" in out
    assert cli("profiles", "show", "acme").code == 2  # type: ignore[operator]


def test_rm_without_a_terminal_refuses_unless_yes(cli: object) -> None:
    _add(cli, "acme")
    code, out, err = _rm("acme", stdin=io.StringIO("y\n"))
    assert (code, out) == (2, "")
    assert "no terminal to ask" in err and "tokenlab profiles rm acme --yes" in err
    code, out, _ = _rm("acme", "--yes", stdin=io.StringIO())
    assert code == 0 and "deleted profile 'acme'" in out


@pytest.mark.parametrize(
    "args",
    [
        ("profiles", "show", "acme-prod"),
        ("profiles", "rm", "acme-prod", "--yes"),
        ("token", "--profile", "acme-prod"),
        ("probe", "-p", "acme-prod"),
        ("doctor", "--profile", "acme-prod"),
        ("profiles", "edit", "acme-prod", "--description", "d"),
        ("profiles", "copy", "acme-prod", "new"),
    ],
)
def test_a_mistyped_profile_name_gets_did_you_mean(cli: object, args: tuple[str, ...]) -> None:
    _add(cli, "acme-prd")
    _add(cli, "other")
    r = cli(*args)  # type: ignore[operator]
    assert r.code == 2
    assert "no profile named 'acme-prod'" in r.err
    assert "did you mean 'acme-prd'?" in r.err


def test_rm_deletes_a_file_that_no_longer_reads(
    cli: object, isolated_dirs: dict[str, object]
) -> None:
    _add(cli, "acme")
    path = isolated_dirs["config"] / "profiles" / "acme.toml"  # type: ignore[operator]
    path.write_text("name = [broken\n")
    code, out, _ = _rm("acme", "--yes", stdin=io.StringIO())
    assert code == 0 and "deleted profile 'acme'" in out and not path.exists()

"""The profiles directory: one TOML file per profile in `{config_dir}/profiles/`.

Every write is atomic and private; a file that cannot be read is never replaced; creating a
profile is exclusive (of two processes creating one name, exactly one wins). A profiles
directory open to others is made private (0700) when it is the user's, else warned about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tokenlab.core.errors import (
    ConfigFileError,
    ProfileError,
    ProfileExistsError,
    ProfileNotFoundError,
    RemedyKind,
    remedy,
)
from tokenlab.core.events import Bus, Notice
from tokenlab.core.profiles.model import Profile
from tokenlab.core.profiles.toml_io import from_toml, line_of, to_toml
from tokenlab.core.profiles.validation import check_name, validate
from tokenlab.core.storage import (
    LooseDir,
    config_dir,
    create_private_file,
    ensure_private_dir,
    tighten_private_dir,
    write_private_file,
)


class ProfileStore:
    """The profiles directory. Every write is atomic; a file that cannot be read is never replaced.

    `bus` hears, once per store, that the directory was open to others (made private, or not)."""

    def __init__(self, root: Path | None = None, *, bus: Bus | None = None) -> None:
        self.root = root if root is not None else config_dir()
        self.dir = self.root / "profiles"
        self.bus = bus
        self._dir_checked = False

    def with_bus(self, bus: Bus) -> ProfileStore:
        """The same profiles, with the directory notice published on `bus` (a console's)."""
        return ProfileStore(self.root, bus=bus)

    def path_for(self, name: str) -> Path:
        return self.dir / f"{check_name(name)}.toml"

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        self._check_dir()
        try:
            return sorted(p.stem for p in self.dir.glob("*.toml") if not p.name.startswith("."))
        except PermissionError:
            raise ConfigFileError(
                str(self.dir), "cannot list the profiles directory", "check its permissions"
            ) from None

    def exists(self, name: str) -> bool:
        return self.path_for(name).exists()

    def _not_found(self, name: str) -> ProfileNotFoundError:
        known = self.names()
        if known:
            import difflib  # lazy: only a name not found needs a suggestion

            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known profiles: {', '.join(known)}"
            return ProfileNotFoundError(f"no profile named {name!r}", hint)
        return ProfileNotFoundError(
            f"no profile named {name!r}",
            "there are no profiles yet: create one first",
            remedy=remedy(RemedyKind.CREATE_PROFILE),
        )

    def load(self, name: str) -> Profile:
        path = self.path_for(name)
        self._check_dir()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self._not_found(name) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(
                str(path), f"cannot read the file: {exc}", "check its permissions and encoding"
            ) from None
        profile = from_toml(text, str(path))
        if profile.name != name:
            raise ConfigFileError(
                str(path),
                f"the file holds profile {profile.name!r}, not {name!r}",
                f"rename the file to {profile.name}.toml or fix its name field",
                field="name",
                line=line_of(text, "name", ""),
            )
        return profile

    def load_all(self) -> tuple[list[Profile], list[ConfigFileError]]:
        """Every readable profile, and an error for each file that is not (listing never fails)."""
        good: list[Profile] = []
        bad: list[ConfigFileError] = []
        for name in self.names():
            try:
                good.append(self.load(name))
            except ConfigFileError as exc:
                bad.append(exc)
            except ProfileError as exc:
                bad.append(
                    ConfigFileError(
                        str(self.path_for(name)), exc.message, exc.hint, remedy=exc.remedy
                    )
                )
        return good, bad

    def _exists(self, name: str, action: str) -> ProfileExistsError:
        return ProfileExistsError(
            f"profile {name!r} already exists",
            "pick another name, or change that profile",
            remedy=remedy(RemedyKind.CHOOSE_ANOTHER_NAME, name=name, action=action),
        )

    def _refuse_existing(self, name: str, action: str) -> None:
        if self.exists(name):
            raise self._exists(name, action)

    def create(self, profile: Profile, *, action: str = "create") -> Path:
        """Write a new profile; `ProfileExistsError` when the name is taken, even by a process
        that created it a moment ago."""
        validate(profile)
        self._refuse_existing(profile.name, action)
        try:
            return self._write(profile, exclusive=True)
        except FileExistsError:
            raise self._exists(profile.name, action) from None

    def update(self, name: str, change: Callable[[Profile], Profile]) -> Profile:
        """Load, change and save: a file that does not load is left untouched."""
        profile = change(self.load(name))
        validate(profile)
        self._write(profile)
        return profile

    def save(self, profile: Profile) -> Path:
        """Create or replace; an existing file must load first, so nothing unreadable is lost."""
        if self.exists(profile.name):
            self.load(profile.name)
        validate(profile)
        return self._write(profile)

    def delete(self, name: str) -> None:
        path = self.path_for(name)
        if not path.exists():
            raise self._not_found(name)
        path.unlink()

    def copy(self, name: str, new_name: str) -> Profile:
        profile = replace(self.load(name), name=check_name(new_name))
        self.create(profile)
        return profile

    def read_import(self, text: str, source: str, new_name: str | None = None) -> Profile:
        """The profile a file to import holds (validated, under `new_name` when given); nothing
        is written: look at `profile_risks` before `create(profile, action="import")`."""
        profile = from_toml(text, source)
        if new_name:
            profile = replace(profile, name=check_name(new_name))
        self._refuse_existing(profile.name, "import")
        return profile

    def import_text(self, text: str, source: str, new_name: str | None = None) -> Profile:
        profile = self.read_import(text, source, new_name)
        self.create(profile, action="import")
        return profile

    def _write(self, profile: Profile, *, exclusive: bool = False) -> Path:
        ensure_private_dir(self.root)
        ensure_private_dir(self.dir)
        self._check_dir()
        path = self.path_for(profile.name)
        (create_private_file if exclusive else write_private_file)(path, to_toml(profile))
        return path

    def _check_dir(self) -> None:
        """Once per store: others must not read or change the profiles (they say where tokens
        and secrets are sent)."""
        if self._dir_checked:
            return
        self._dir_checked = True
        loose = tighten_private_dir(self.dir)
        if loose is not None and self.bus is not None:
            self.bus.publish(_loose_dir_notice(loose))


def _loose_dir_notice(loose: LooseDir) -> Notice:
    found = f"{loose.path} was open to others (mode {loose.mode:04o})"
    if loose.fixed:
        return Notice(
            run_id="profiles",
            level="warning",
            message=f"the profiles directory {found}: tokenlab made it private (0700)",
            topic="profiles",
        )
    what = "change the profiles in it" if loose.writable_by_others else "read the profiles in it"
    owner = "" if loose.owned else " and belongs to another user"
    return Notice(
        run_id="profiles",
        level="warning",
        message=f"the profiles directory {found}{owner}: others can {what}",
        hint=f"make it private (chmod 700 {loose.path}), or set TOKENLAB_CONFIG_DIR to a private directory",
        topic="profiles",
    )

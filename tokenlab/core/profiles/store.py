"""The profiles directory: one TOML file per profile in `{config_dir}/profiles/`.

Every write is atomic and private; a file that cannot be read is never replaced.
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
from tokenlab.core.profiles.model import Profile
from tokenlab.core.profiles.toml_io import from_toml, line_of, to_toml
from tokenlab.core.profiles.validation import check_name, validate
from tokenlab.core.storage import config_dir, ensure_private_dir, write_private_file


class ProfileStore:
    """The profiles directory. Every write is atomic; a file that cannot be read is never replaced."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else config_dir()
        self.dir = self.root / "profiles"

    def path_for(self, name: str) -> Path:
        return self.dir / f"{check_name(name)}.toml"

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
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
            return ProfileNotFoundError(
                f"no profile named {name!r}", f"known profiles: {', '.join(known)}"
            )
        return ProfileNotFoundError(
            f"no profile named {name!r}",
            "there are no profiles yet: create one first",
            remedy=remedy(RemedyKind.CREATE_PROFILE),
        )

    def load(self, name: str) -> Profile:
        path = self.path_for(name)
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

    def _refuse_existing(self, name: str, action: str) -> None:
        if self.exists(name):
            raise ProfileExistsError(
                f"profile {name!r} already exists",
                "pick another name, or change that profile",
                remedy=remedy(RemedyKind.CHOOSE_ANOTHER_NAME, name=name, action=action),
            )

    def create(self, profile: Profile) -> Path:
        validate(profile)
        self._refuse_existing(profile.name, "create")
        return self._write(profile)

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

    def import_text(self, text: str, source: str, new_name: str | None = None) -> Profile:
        profile = from_toml(text, source)
        if new_name:
            profile = replace(profile, name=check_name(new_name))
        self._refuse_existing(profile.name, "import")
        self.create(profile)
        return profile

    def _write(self, profile: Profile) -> Path:
        ensure_private_dir(self.root)
        ensure_private_dir(self.dir)
        path = self.path_for(profile.name)
        write_private_file(path, to_toml(profile))
        return path

"""Configuration: `config/plansync.toml` (or `--config` / `PLANSYNC_CONFIG`) plus environment.

Today the file holds the reader's steering rules:

    root = ".."                      # plan paths are relative to this (relative to the file)

    [reader]                         # rules for every plan file
    extra_id_patterns = ['WEB-\\d+']

    [[reader.files]]                 # rules for the files matching a glob, applied in order
    glob = "plans/rollout.md"
    task_sections = ['^Next steps']

A mistake is one ConfigError that names the file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from plansync.config.daemon import DaemonConfig
from plansync.config.project import ProjectConfig
from plansync.errors import ConfigError
from plansync.planfile.formats import FORMATS
from plansync.planfile.rules import ReaderRules
from plansync.trackers.config import WriteQueue

DEFAULT_CONFIG = Path("config/plansync.toml")
SQLITE_URL = "sqlite:///"
POSTGRES_URLS = ("postgresql://", "postgres://")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

# Keys holding the NAME of a variable with a secret: a value refused there may be the secret.
_SECRET_NAME_KEYS = ("token_env", "github_secret_env", "gitlab_secret_env")

_PATTERN_KEYS = (
    "extra_id_patterns",
    "milestone_patterns",
    "criteria_patterns",
    "include_sections",
    "exclude_sections",
    "task_sections",
)


class RulesModel(BaseModel):
    """Steering rules. A key left out keeps the built-in behaviour (or the [reader] value).

    `milestone_patterns` and `criteria_patterns` replace the built-in lists when given; the other
    lists add to what the reader recognises. A [[reader.files]] entry's key replaces the [reader]
    value of that key. Patterns are Python regular expressions, matched case-insensitively
    (heading patterns against the heading text without markdown).
    """

    model_config = ConfigDict(extra="forbid")

    extra_id_patterns: list[str] | None = None
    milestone_patterns: list[str] | None = None
    criteria_patterns: list[str] | None = None
    include_sections: list[str] | None = None
    exclude_sections: list[str] | None = None
    task_sections: list[str] | None = None
    sync_criteria: bool | None = None
    # Read the files as this planning tool's format instead of judging from their lines.
    format: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(f"expected one of {', '.join(FORMATS)}")
        return value

    @field_validator(*_PATTERN_KEYS)
    @classmethod
    def _compiles(cls, patterns: list[str] | None) -> list[str] | None:
        for pattern in patterns or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from exc
        return patterns


class FileRules(RulesModel):
    glob: str = Field(min_length=1)


class ReaderConfig(RulesModel):
    files: list[FileRules] = Field(default_factory=list)


class PlansyncConfig(BaseSettings):
    """The whole configuration. Environment variables `PLANSYNC_<KEY>` (nested keys joined with
    `__`, e.g. `PLANSYNC_READER__SYNC_CRITERIA=true`) override the file."""

    model_config = SettingsConfigDict(
        env_prefix="PLANSYNC_", env_nested_delimiter="__", extra="forbid"
    )

    root: Path = Path(".")
    # A path relative to the config file's folder, sqlite:///PATH, or postgresql://USER@HOST/DB.
    state: str = ".plansync/state.db"
    reader: ReaderConfig = Field(default_factory=ReaderConfig)
    projects: list[ProjectConfig] = Field(default_factory=list)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)

    @field_validator("state")
    @classmethod
    def _state_location(cls, state: str) -> str:
        if state.startswith(SQLITE_URL):
            if not state.removeprefix(SQLITE_URL):
                raise ValueError("expected sqlite:///PATH, e.g. sqlite:///.plansync/state.db")
        elif state.startswith(POSTGRES_URLS):
            check_postgres_url(state)
        elif _URL.match(state):
            raise ValueError(
                "expected a path (e.g. .plansync/state.db), sqlite:///PATH or "
                "postgresql://USER@HOST/DATABASE; plansync cannot keep its state at another "
                "kind of URL"
            )
        elif not state.strip():
            raise ValueError("expected a path, e.g. .plansync/state.db")
        return state

    @field_validator("projects")
    @classmethod
    def _unique_names(cls, projects: list[ProjectConfig]) -> list[ProjectConfig]:
        names = [p.name for p in projects]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two projects are named {name!r}; names must be unique")
        return projects

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_config passes the file's content as init values: the environment outranks it.
        return (env_settings, init_settings)


def check_postgres_url(url: str) -> None:
    """A PostgreSQL URL names where, never a password: that comes from PGPASSWORD, ~/.pgpass or
    a service file, so the configuration can be shown and committed. The messages never repeat
    the URL (it may hold the password)."""
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None
        parts.port  # noqa: B018  # a port that is not a number raises here
    except ValueError as exc:
        raise ValueError(f"not a valid PostgreSQL URL ({exc})") from exc
    query = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if has_password or "password" in query:
        raise ValueError(
            "the PostgreSQL URL holds a password; plansync never takes one from a URL (it "
            "would show in the configuration, in logs and in the process list). Remove it "
            "(postgresql://USER@HOST/DATABASE) and give the password "
            "in the PGPASSWORD environment variable, in ~/.pgpass, or in a libpq service file "
            "(postgresql:///?service=NAME)"
        )


class LoadedConfig:
    """A validated configuration and the file it came from (None: built-in defaults)."""

    def __init__(self, settings: PlansyncConfig, source: Path | None) -> None:
        self.settings = settings
        self.source = source

    @property
    def root(self) -> Path:
        return self.settings.root

    @property
    def reader(self) -> ReaderConfig:
        return self.settings.reader

    @property
    def projects(self) -> list[ProjectConfig]:
        return self.settings.projects

    @property
    def daemon(self) -> DaemonConfig:
        return self.settings.daemon

    @property
    def state_url(self) -> str:
        """The state store as `sqlite:///ABSOLUTE-PATH` (`state` relative to the config file's
        folder, or the current folder when there is no file), or the PostgreSQL URL as given."""
        if self.settings.state.startswith(POSTGRES_URLS):
            return self.settings.state
        base = self.source.parent if self.source is not None else Path(".")
        path = Path(self.settings.state.removeprefix(SQLITE_URL)).expanduser()
        return SQLITE_URL + str(path if path.is_absolute() else (base / path).resolve())

    def project(self, name: str | None) -> list[ProjectConfig]:
        """The named project, or all of them; a ConfigError names what exists."""
        where = self.source or Path("(no config file)")
        if not self.projects:
            raise ConfigError(
                f"{where}: no [[projects]] configured, so there is nothing to sync. Add one "
                f"(see the README's Configuration section) or run `plansync init`."
            )
        if name is None:
            return list(self.projects)
        for project in self.projects:
            if project.name == name:
                return [project]
        known = ", ".join(p.name for p in self.projects)
        raise ConfigError(f"{where}: no project named {name!r}; the config has: {known}.")


def load_config(path: Path | None) -> LoadedConfig:
    """Read the config file. With no path, `config/plansync.toml` (relative to the current
    folder) is used when it exists and the built-in defaults otherwise; an explicit path that
    does not exist is an error."""
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return LoadedConfig(_validated(Path("(environment)"), {}), None)
        path = DEFAULT_CONFIG
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: config file not found. Pass an existing file with --config (or "
            f"PLANSYNC_CONFIG), or leave both unset to use the defaults."
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the syntax and try again.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from exc
    config = _validated(path, data)
    root = config.root if config.root.is_absolute() else (path.parent / config.root)
    return LoadedConfig(config.model_copy(update={"root": root.resolve()}), path)


def _validated(path: Path, data: dict[str, Any]) -> PlansyncConfig:
    try:
        config = PlansyncConfig(**data)
    except ValidationError as exc:
        raise ConfigError(_explain(path, exc)) from exc
    _check_shared_queues(path, config.projects)
    return config


def _check_shared_queues(path: Path, projects: list[ProjectConfig]) -> None:
    """Trackers on one host write through one paced queue (trackers/pacing.py), so projects
    that pace it differently could never run: refuse them here, once, naming both."""
    first: dict[tuple[str, str], tuple[str, WriteQueue]] = {}
    for project in projects:
        for queue in project.tracker.write_queues():
            seen = first.setdefault((queue.host, queue.kind), (project.name, queue))
            if seen[1].limits != queue.limits:
                raise ConfigError(_pacing_conflict(path, seen[0], project.name, seen[1], queue))


def _pacing_conflict(path: Path, one: str, two: str, a: WriteQueue, b: WriteQueue) -> str:
    differences = [
        f"`{b.setting}.{name}` is {_limit(getattr(a.limits, name))} in {one!r} and "
        f"{_limit(getattr(b.limits, name))} in {two!r}"
        for name in ("min_interval", "per_minute", "per_hour")
        if getattr(a.limits, name) != getattr(b.limits, name)
    ]
    return (
        f"{path}: projects {one!r} and {two!r} both write to {a.host} but pace those writes "
        f"differently: {'; '.join(differences)}. Writes to one host go through one queue, so "
        f"give every project on {a.host} the same [projects.tracker.{b.setting}] settings "
        "(or leave them out everywhere for the defaults)."
    )


def _limit(value: float | None) -> str:
    return "unset (no limit)" if value is None else str(value)


def _explain(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(
            f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"]
        ).replace(".[", "[")
        if error["type"] == "extra_forbidden":
            problems.append(f"`{key}` is not a known setting")
        elif error["type"] == "union_tag_invalid":
            context = error.get("ctx") or {}
            problems.append(
                f"`{key}.kind`: {context.get('tag')!r} is not a tracker kind; expected "
                f"{context.get('expected_tags')}"
            )
        elif error["type"] == "union_tag_not_found":
            problems.append(f"`{key}.kind` is missing; expected 'github' or 'gitlab'")
        elif error["loc"] and (
            error["loc"][-1] in _SECRET_NAME_KEYS
            or (error["loc"][-1] == "state" and str(error.get("input")).startswith(POSTGRES_URLS))
        ):
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"`{key}`: {message}")  # the value may be a secret: not shown
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"`{key}`: {message} (got {error.get('input')!r})")
    return (
        f"{path}: invalid configuration: "
        + "; ".join(problems)
        + ". See the Configuration section of the README for the expected keys."
    )


def rules_for(config: LoadedConfig, plan_path: Path) -> ReaderRules:
    """The reader rules for one plan file: built-in defaults, then [reader], then every
    [[reader.files]] entry whose glob matches the file's path relative to `root`."""
    settings: dict[str, Any] = {}
    layers: list[RulesModel] = [config.reader]
    relative = _relative_to_root(config, plan_path)
    layers += [f for f in config.reader.files if fnmatch.fnmatch(relative, f.glob)]
    for layer in layers:
        for key in (*_PATTERN_KEYS, "sync_criteria", "format"):
            value = getattr(layer, key)
            if value is None:
                continue
            settings[key] = tuple(value) if isinstance(value, list) else value
    return dataclasses.replace(ReaderRules(), **settings)


def _relative_to_root(config: LoadedConfig, plan_path: Path) -> str:
    try:
        absolute = plan_path.resolve()
    except (OSError, RuntimeError):
        # A symlink loop: reading the file says so, naming it; the rules fall back to its path.
        return plan_path.as_posix()
    try:
        return absolute.relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return plan_path.as_posix()

"""`plansync init`: find the plan files under a folder and write a commented starter config.

The starter config names every setting with its default value and a one-line comment saying
what it does and what else it accepts, so the file documents itself. It loads as it is: a
repository left as the placeholder `OWNER/REPO` is valid syntax, to be replaced before the first
sync.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError

from plansync.config.load import PlansyncConfig
from plansync.config.project import (
    ConflictPolicy,
    LabelRules,
    PlansSource,
    ProjectConfig,
    SummaryConfig,
)
from plansync.errors import ConfigError, PlansyncError
from plansync.fileio import atomic_write
from plansync.planfile.parse import read_plan
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.gitlab.config import GitLabTrackerConfig

MARKDOWN_SUFFIXES = (".md", ".markdown")
# Folders that hold tools, dependencies or build output, never a team's plans.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "venv", "build", "dist", "target", "site-packages", "__pycache__"}
)
PLACEHOLDER_REPO: dict[str, str] = {"github": "OWNER/REPO", "gitlab": "GROUP/PROJECT"}
# The plans value when no plan file was found: a glob to edit.
PLACEHOLDER_PLANS = "plans/*.md"

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def find_plans(root: Path) -> list[Path]:
    """The markdown files under `root` in which the reader finds at least one task, sorted by
    their path relative to `root`. Hidden folders, dependency and build folders are skipped, and
    so are files that cannot be read."""
    if not root.is_dir():
        raise ConfigError(
            f"{root}: not a folder. Run `plansync init` in (or for) the folder "
            "that holds the plan files."
        )
    found = [path for path in _markdown_files(root) if _has_tasks(path)]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def _markdown_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        # Pruned in place, so os.walk does not descend into them.
        subfolders[:] = [name for name in subfolders if not _skipped(name)]
        for name in files:
            if name.lower().endswith(MARKDOWN_SUFFIXES) and not name.startswith("."):
                yield Path(folder, name)


def _skipped(folder: str) -> bool:
    return folder.startswith(".") or folder in SKIPPED_FOLDERS or folder.endswith(".egg-info")


def _has_tasks(path: Path) -> bool:
    try:
        return bool(read_plan(path).tasks)
    except (PlansyncError, OSError):
        return False


def starter_config(
    root: Path,
    plans: Sequence[Path],
    *,
    config_path: Path,
    kind: str = "github",
    repo: str | None = None,
    repository: bool = False,
) -> str:
    """The text of a starter config to be written at `config_path`, syncing `plans` (files under
    `root`) with the repository `repo` (a placeholder when None) of a `kind` tracker (github or
    gitlab). With `repository`, the plans are read from and written to that repository (their
    paths under `root`, a checkout of it, are their paths there).

    `root` is written relative to the config file's folder; the plans relative to `root`.
    Raises ConfigError for an unknown kind, a repository name the tracker would refuse, or a
    plan outside `root`.
    """
    if kind not in PLACEHOLDER_REPO:
        raise ConfigError(f"tracker kind {kind!r} is not known; expected github or gitlab.")
    tracker = _tracker(kind, repo if repo is not None else PLACEHOLDER_REPO[kind])
    root = Path(os.path.abspath(root))  # symlinks kept: plans are found through them
    relative_plans = [_relative_plan(root, plan) for plan in plans]
    project = ProjectConfig(name=_project_name(root), tracker=tracker, plans=[PLACEHOLDER_PLANS])
    labels, conflicts, summary = LabelRules(), ConflictPolicy(), SummaryConfig()
    defaults = PlansyncConfig.model_fields

    lines = [
        "# plansync configuration. Every setting shows its default; edit it, or delete it to keep",
        "# the default. Tokens never go in this file: `token_env` names the variable holding one.",
        "",
        "# The folder plan paths are relative to (itself relative to this file's folder).",
        f"root = {_toml(_root_value(root, config_path))}",
        "# The state store (links between tasks and issues, last-synced values), relative to",
        "# this file's folder.",
        f"state = {_toml(Path(str(defaults['state'].default)).as_posix())}",
        "",
        "[[projects]]",
        "# The project's name in logs and on the command line: letters, digits, `.`, `_`, `-`.",
        f"name = {_toml(project.name)}",
        *_plans_lines(relative_plans),
        '# "both": sync both ways; "push": plan -> tracker only; "pull": tracker -> plan only.',
        f"direction = {_toml(project.direction)}",
        "# How often `plansync daemon` syncs this project, in minutes.",
        f"interval_minutes = {_toml(project.interval_minutes)}",
        '# A task deleted from the plan: "report" leaves its issue open and says so; "close"',
        "# closes it as not planned, with a comment.",
        f"removed = {_toml(project.removed)}",
        "# A task whose line references an issue the tracker does not have (or another task's):",
        '# "report" creates nothing, leaves the line alone and says so; "create" makes a new',
        "# issue and replaces the dead reference with it.",
        f"missing_reference = {_toml(project.missing_reference)}",
        "# The tracker milestone for a milestone section: {section} is its heading, {plan} the",
        '# plan\'s title; e.g. "{plan}: {section}".',
        f"milestone_template = {_toml(project.milestone_template)}",
        *(_repository_lines() if repository else []),
        "",
        "[projects.tracker]",
        *_tracker_lines(tracker, placeholder=repo is None),
        "",
        "[projects.labels]",
        '# The label on every issue plansync manages ("" for none).',
        f"managed = {_toml(labels.managed)}",
        '# The label for a task\'s priority, {priority} being its value ("" for none).',
        f"priority = {_toml(labels.priority)}",
        "# true: a table's group rows become `group: ...` labels; false: no group labels.",
        f"groups = {_toml(labels.groups)}",
        "",
        "[projects.people]",
        "# Plan names (owners in a table) -> tracker usernames; names not listed are not",
        "# assigned. For example:",
        '# "Dev 1" = "alice"',
        "",
        "[projects.conflicts]",
        '# A task\'s state changed on both sides since the last sync: "close-wins" (a close on',
        '# either side wins over an open), "plan" or "tracker".',
        f"state = {_toml(conflicts.state)}",
        '# A title changed on both sides: "plan" or "tracker" wins.',
        f"text = {_toml(conflicts.text)}",
        "",
        "[projects.summary]",
        "# The progress and coverage block in each plan file, between",
        "# <!-- plansync:summary --> and <!-- /plansync:summary -->.",
        f"enabled = {_toml(summary.enabled)}",
        '# Where a file without those markers gets it: "after-title", "top", "end", or',
        '# "markers" (only files that hold the markers).',
        f"place = {_toml(summary.place)}",
        "# A mermaid pie chart of the task states in the block.",
        f"mermaid = {_toml(summary.mermaid)}",
        "# The progress line in each milestone's description on the tracker.",
        f"milestones = {_toml(summary.milestones)}",
        "# One issue per plan file holding its summary and a task list of its issues.",
        f"tracking_issue = {_toml(summary.tracking_issue)}",
    ]
    return "\n".join(lines) + "\n"


def write_starter_config(path: Path, text: str) -> None:
    """Write a new config file (creating its folder); an existing file is never replaced."""
    if path.exists():
        raise ConfigError(
            f"{path}: a config file already exists and is left as it is. Edit it, or pass "
            "another path for the new one."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: the config file cannot be written ({exc.strerror}).") from exc


def _tracker(kind: str, repo: str) -> GitHubTrackerConfig | GitLabTrackerConfig:
    model = GitHubTrackerConfig if kind == "github" else GitLabTrackerConfig
    try:
        return model(repo=repo)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(
            f"repository {repo!r} is not a {kind} repository name: {reason}."
        ) from exc


def _tracker_lines(
    tracker: GitHubTrackerConfig | GitLabTrackerConfig, *, placeholder: bool
) -> list[str]:
    if isinstance(tracker, GitHubTrackerConfig):
        what, scope = "The repository, as owner/name.", "repo"
        url_lines = [
            "# The API: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise.",
            f"base_url = {_toml(tracker.base_url)}",
        ]
    else:
        what, scope = "The project, as group/project (or group/subgroup/project).", "api"
        url_lines = [
            "# The instance: https://gitlab.com, or https://HOST for a self-hosted GitLab.",
            f"url = {_toml(tracker.url)}",
        ]
    return [
        '# "github" or "gitlab".',
        f"kind = {_toml(tracker.kind)}",
        f"# {what}",
        *(["# Replace the placeholder with yours before the first sync."] if placeholder else []),
        f"repo = {_toml(tracker.repo)}",
        f"# The environment variable holding the token (scope `{scope}`, see the README).",
        f"token_env = {_toml(tracker.token_env)}",
        *url_lines,
        "# Seconds a one-shot `plansync sync` may wait on a rate limit before it stops.",
        f"max_wait = {_toml(tracker.max_wait)}",
    ]


def _repository_lines() -> list[str]:
    source = PlansSource(kind="repository")
    return [
        "",
        "[projects.plans_source]",
        '# "repository": the plans live in the tracker\'s repository (paths in `plans` are',
        '# paths there); "local": in the folder `root`.',
        f"kind = {_toml(source.kind)}",
        '# The branch they live on ("" = the repository\'s default branch).',
        f"branch = {_toml(source.branch)}",
        '# How a run\'s edits reach it: "commit" (one commit a run), "pull-request" (one rolling',
        '# pull request from plansync/<branch>), "auto" (commit; the pull request when the',
        "# branch is protected).",
        f"write = {_toml(source.write)}",
    ]


def _plans_lines(relative_plans: Sequence[str]) -> list[str]:
    comment = '# The plan files to sync: paths or globs (e.g. "plans/*.md") relative to `root`.'
    if not relative_plans:
        return [
            comment,
            "# No plan file with tasks was found: list yours here.",
            f"plans = [{_toml(PLACEHOLDER_PLANS)}]",
        ]
    return [comment, "plans = [", *(f"    {_toml(p)}," for p in relative_plans), "]"]


def _relative_plan(root: Path, plan: Path) -> str:
    try:
        return Path(os.path.abspath(plan)).relative_to(root).as_posix()
    except ValueError as exc:
        raise ConfigError(
            f"{plan}: the plan file is outside the root folder {root}; plans are listed "
            "relative to it. Choose a root that holds every plan file."
        ) from exc


def _root_value(root: Path, config_path: Path) -> str:
    folder = Path(os.path.abspath(config_path)).parent
    try:
        return Path(os.path.relpath(root, folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return root.as_posix()


def _project_name(root: Path) -> str:
    """The root folder's name as a project name (letters, digits, `.`, `_`, `-`)."""
    name = _NAME_UNSAFE.sub("-", root.name).lstrip("._-").rstrip("-")
    return name or "plans"


def _toml(value: str | bool | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else repr(value)
    return '"' + "".join(_toml_char(c) for c in value) + '"'


def _toml_char(char: str) -> str:
    # A TOML basic string escapes the quote, the backslash and control characters but tab.
    if char in '"\\':
        return "\\" + char
    if (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F:
        return f"\\u{ord(char):04X}"
    return char

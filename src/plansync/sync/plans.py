"""The planfiles of a project: found by its globs under `root`, read as bytes and parsed with the
rules that apply to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plansync.config.load import LoadedConfig, rules_for
from plansync.config.project import ProjectConfig
from plansync.errors import ConfigError
from plansync.model.sync import PlanInput
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan, read_plan_bytes
from plansync.planfile.rules import ReaderRules
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.gitlab.config import GitLabTrackerConfig


@dataclass(frozen=True)
class PlanRead:
    planfile: str
    path: Path
    raw: bytes
    rules: ReaderRules
    input: PlanInput


def plan_url(tracker: GitHubTrackerConfig | GitLabTrackerConfig, planfile: str) -> str:
    """The planfile on the tracker's web pages, taking `root` as the repository's top."""
    if isinstance(tracker, GitLabTrackerConfig):
        return f"{tracker.url}/{tracker.repo}/-/blob/HEAD/{planfile}"
    api = tracker.base_url
    web = "https://github.com" if api == "https://api.github.com" else api.removesuffix("/api/v3")
    return f"{web}/{tracker.repo}/blob/HEAD/{planfile}"


def read_plans(config: LoadedConfig, project: ProjectConfig) -> list[PlanRead]:
    """Every planfile the project's globs match under `root`, read and parsed (a file that
    cannot be read is a PlanfileError: the run stops before it changes anything)."""
    root = config.root
    paths: dict[str, Path] = {}
    for glob in project.plans:
        for path in sorted(root.glob(glob)):
            if not path.is_dir():  # a dangling link is an unreadable plan, not no plan
                paths.setdefault(path.relative_to(root).as_posix(), path)
    if not paths:
        where = config.source or Path("(config)")
        raise ConfigError(
            f"{where}: the plans of project {project.name!r} ({', '.join(project.plans)}) "
            f"match no file under {root}. Fix the globs or `root`."
        )
    return [
        plan_read(config, project, planfile, path, read_plan_bytes(path))
        for planfile, path in paths.items()
    ]


def plan_read(
    config: LoadedConfig, project: ProjectConfig, planfile: str, path: Path, raw: bytes
) -> PlanRead:
    """A planfile's bytes, parsed with the rules that apply to it."""
    rules = rules_for(config, path)
    document = parse_plan(raw, path, rules)
    text = decode_plan(raw, path).text
    lines = tuple(line.rstrip("\r\n") for line in split_text_lines(text))
    return PlanRead(
        planfile,
        path,
        raw,
        rules,
        PlanInput(
            planfile,
            document,
            lines,
            plan_url=plan_url(project.tracker, planfile),
            sync_criteria=rules.sync_criteria,
        ),
    )

"""What `plansync check-access` finds for one project: who plansync acts as on the tracker,
which of the permissions it needs it holds and lacks, the rate limit left, and how many files
each plan glob matches where the plans live (the local folder or the repository's branch)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.errors import PlansyncError
from plansync.sync.repository_plans import glob_pattern, repository_of
from plansync.trackers.access import AccessCheck, AccessReport
from plansync.trackers.registry import open_tracker


@dataclass
class ProjectAccess:
    project: str
    tracker: str  # "github demo/plans"
    where: str  # where the plans are looked for
    report: AccessReport | None = None
    problems: list[str] = field(default_factory=list)  # what stopped a check
    globs: dict[str, int] = field(default_factory=dict)  # glob -> files matched

    @property
    def ok(self) -> bool:
        lacking = self.report is None or bool(self.report.lacking)
        return not (self.problems or lacking or any(n == 0 for n in self.globs.values()))


def project_access(
    config: LoadedConfig, project: ProjectConfig, environ: Mapping[str, str] | None = None
) -> ProjectAccess:
    source = project.plans_source
    found = ProjectAccess(
        project.name,
        f"{project.tracker.kind} {project.tracker.repo}",
        str(config.root) if source.kind == "local" else "the repository",
    )
    try:
        tracker = open_tracker(project.tracker, environ)
    except PlansyncError as exc:
        found.problems.append(str(exc))
        return found
    try:
        if isinstance(tracker, AccessCheck):
            found.report = tracker.access()
        else:
            found.problems.append("this tracker kind cannot say what its token may do")
        if source.kind == "local":
            for glob in project.plans:
                found.globs[glob] = sum(1 for p in config.root.glob(glob) if p.is_file())
        else:
            repository = repository_of(tracker)
            branch = source.branch or repository.default_branch()
            found.where = f"branch {branch} of the repository"
            tree = repository.branch_tree(branch)
            names = tree.files if tree is not None else {}
            if tree is None:
                found.problems.append(f"the repository has no branch {branch!r}")
            for glob in project.plans:
                pattern = glob_pattern(glob)
                found.globs[glob] = sum(1 for name in names if pattern.fullmatch(name))
    except PlansyncError as exc:
        found.problems.append(str(exc))
    return found

"""Where a project's planfiles come from: a `PlanSource` finds them, reads their bytes and
parses each with the rules that apply to it. `LocalPlans` is a folder (`root`) on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from plansync.config.load import LoadedConfig, rules_for
from plansync.config.project import ProjectConfig
from plansync.errors import ConfigError
from plansync.gcpause import without_gc
from plansync.model.sync import PlanInput
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_decoded, read_plan_bytes
from plansync.planfile.rules import ReaderRules


@dataclass(frozen=True)
class PlanRead:
    planfile: str
    path: Path
    raw: bytes
    rules: ReaderRules
    input: PlanInput


class PlanSource(Protocol):
    def read(self) -> list[PlanRead]:
        """Every planfile of the project, read and parsed (a file that cannot be read is a
        PlanfileError: the run stops before it changes anything)."""
        ...

    def parsed(self, plan: PlanRead, raw: bytes) -> PlanRead:
        """The same planfile holding `raw` instead (what a dry run would leave)."""
        ...

    def exists(self, planfile: str) -> bool:
        """Whether a planfile (relative path) is still there, matched by the globs or not."""
        ...


class LocalPlans:
    """The planfiles the project's globs match under the config's `root`."""

    def __init__(self, config: LoadedConfig, project: ProjectConfig) -> None:
        self.config = config
        self.project = project
        # What the last read found in each planfile: a file read again with the same bytes
        # (the run read them all again after editing one) is not parsed again.
        self._last: dict[str, PlanRead] = {}

    def read(self) -> list[PlanRead]:
        root = self.config.root
        paths: dict[str, Path] = {}
        for glob in self.project.plans:
            for path in sorted(root.glob(glob)):
                if not path.is_dir():  # a dangling link is an unreadable plan, not no plan
                    paths.setdefault(path.relative_to(root).as_posix(), path)
        if not paths:
            where = self.config.source or Path("(config)")
            raise ConfigError(
                f"{where}: the plans of project {self.project.name!r} "
                f"({', '.join(self.project.plans)}) match no file under {root}. Fix the globs "
                "or `root`."
            )
        return [self._parse(name, path, read_plan_bytes(path)) for name, path in paths.items()]

    def parsed(self, plan: PlanRead, raw: bytes) -> PlanRead:
        return self._parse(plan.planfile, plan.path, raw)

    def exists(self, planfile: str) -> bool:
        return (self.config.root / planfile).is_file()

    @without_gc
    def _parse(self, planfile: str, path: Path, raw: bytes) -> PlanRead:
        last = self._last.get(planfile)
        if last is not None and last.path == path and last.raw == raw:
            return last
        read = self._parse_anew(planfile, path, raw)
        self._last[planfile] = read
        return read

    def _parse_anew(self, planfile: str, path: Path, raw: bytes) -> PlanRead:
        rules = rules_for(self.config, path)
        decoded = decode_plan(raw, path)  # once: the reader and the lines share it
        document = parse_decoded(decoded, path, rules)
        lines = tuple(line.rstrip("\r\n") for line in split_text_lines(decoded.text))
        plan_url = self.project.tracker.web_url(planfile)  # `root` taken as the repository's top
        return PlanRead(
            planfile,
            path,
            raw,
            rules,
            PlanInput(
                planfile, document, lines, plan_url=plan_url, sync_criteria=rules.sync_criteria
            ),
        )

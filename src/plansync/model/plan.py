"""Frozen domain types shared by the reader, the trackers and the sync engine.

Nothing here does I/O. Line numbers are 1-based, as a person (and `plansync check --json`) counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class TaskKind(StrEnum):
    """The shape a task was written in."""

    CHECKBOX = "checkbox"
    TABLE_ROW = "table-row"
    ID_ITEM = "id-item"
    NUMBERED_ITEM = "numbered-item"
    LIST_ITEM = "list-item"  # a plain bullet made a task by a rule (time-boxed item, steering)
    HEADING = "heading"  # `### Task 3: Wire the CLI`, with field lines under it
    FILE = "file"  # a planning tool's task file (Backlog.md): the file is the task


class Priority(StrEnum):
    BLOCKER = "blocker"
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Estimate:
    """An effort estimate. `minutes` is the upper bound; `min_minutes` is set for a range."""

    minutes: int
    text: str
    min_minutes: int | None = None


@dataclass(frozen=True)
class IssueRef:
    """A reference to a tracker issue as written in the plan: `#61`, `group/proj#12` or a URL."""

    number: int
    text: str
    repo: str | None = None
    url: str | None = None
    # The tracker kind the reference names, where it names one (`ref:GH#510` -> `github`,
    # `ref:GL#7` -> `gitlab`): such a reference is only for a project on that tracker.
    tracker: str | None = None
    # The host an issue URL names (`github.com`, `gitlab.example.org:8443`); None otherwise.
    host: str | None = None

    def is_for(self, repo: str, tracker: str, host: str | None = None) -> bool:
        """Whether it references an issue of this repository on this kind of tracker. `host`:
        the tracker's web host; an issue URL on another host names another repository. A URL's
        repository path compares without case, as both trackers resolve it, and a host with
        `www.` is the same host (github.com serves both)."""
        if self.tracker not in (None, tracker):
            return False
        if self.host is not None and host is not None and _site(self.host) != _site(host):
            return False
        if self.repo is None or self.repo == repo:
            return True
        return self.url is not None and self.repo.lower() == repo.lower()


def _site(host: str) -> str:
    host = host.lower()
    return host.removeprefix("www.")


@dataclass(frozen=True)
class TableRowLayout:
    """How a table row is laid out: the role of each cell, by cell index.

    Roles are the column names the reader recognised (`id`, `title`, `estimate`, `priority`,
    `assignee`, `issue`, `status`, `group`) or `""` for a column it does not use.
    """

    roles: tuple[str, ...]

    def index_of(self, role: str) -> int | None:
        try:
            return self.roles.index(role)
        except ValueError:
            return None


@dataclass(frozen=True)
class Task:
    """One task as read. `from_mention`: the task exists only because a mention of its ID in
    prose defines it (a paragraph, a heading, an item that does not start with the ID), not
    an item or table row of its own."""

    key: str
    title: str
    done: bool
    kind: TaskKind
    line: int
    end_line: int
    id: str | None = None
    milestone: str | None = None
    section_path: tuple[str, ...] = ()
    estimate: Estimate | None = None
    priority: Priority | None = None
    assignees: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    issue_refs: tuple[IssueRef, ...] = ()
    description: str = ""
    criterion: bool = False
    table: TableRowLayout | None = None
    from_mention: bool = False
    # What a checkbox or status field says beyond open / done: `in-progress` (`[~]`),
    # `partial` (`[/]`), `dropped` (`[-]`, read as done); None when it says nothing more.
    state: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    line: int
    end_line: int
    is_milestone: bool = False
    is_criteria: bool = False
    issue_refs: tuple[IssueRef, ...] = ()


@dataclass(frozen=True)
class EncodingInfo:
    """What the reader found out about a planfile's bytes.

    `detected` is `utf-8`, or `utf-8+cp1252` / `utf-8+mac_roman` for UTF-8 text that was once
    decoded with that code page and saved again (mojibake), with ` (partial)` appended when only
    some lines were: those lines are `mojibake_lines` (1-based), each repaired on its own; it is
    empty when the whole file was repaired at once, or nothing was. `newline` is `LF`, `CRLF`,
    `CR`, `mixed` or `none`.
    """

    detected: str
    bom: bool
    newline: str
    mojibake: str | None = None
    mojibake_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlanWarning:
    code: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class PlanDocument:
    path: Path
    title: str | None
    encoding: EncodingInfo
    sections: tuple[Section, ...]
    tasks: tuple[Task, ...]
    warnings: tuple[PlanWarning, ...] = field(default=())
    # The shape the file was read as: `generic`, or a planning tool's (`spec-kit`, `kiro`,
    # `aidevops`, `openspec`, `ccpm`, `backlog-md`, `taskmaster`); see `planfile.formats`.
    format: str = "generic"

    @property
    def milestones(self) -> tuple[Section, ...]:
        """Milestone sections holding at least one task: those that map to tracker milestones."""
        used = {t.milestone for t in self.tasks if not t.criterion}
        return tuple(s for s in self.sections if s.is_milestone and s.title in used)

    def task(self, key: str) -> Task:
        for t in self.tasks:
            if t.key == key:
                return t
        raise KeyError(key)

"""One `[[projects]]` entry of the config: which plan files sync with which tracker, and how.

[[projects]]
name = "website"
plans = ["plans/*.md"]               # globs relative to `root`
direction = "both"                   # or "push" (plan -> tracker), "pull" (tracker -> plan)
interval_minutes = 5                 # how often the daemon runs it
removed = "report"                   # or "close": close as not planned, with a comment
check_deleted_every = 12             # runs between looks at each linked issue (0: never)
missing_reference = "report"         # or "create": a new issue replaces a dead `#N` on a line
adopt = "id"                         # or "title": also adopt an open issue by its exact title
milestone_template = "{section}"     # `{plan}` is the plan's title

[projects.plans_source]
kind = "local"                       # or "repository": the tracker's repository, via its API
branch = ""                          # repository: the branch ("" = the default branch)
write = "auto"                       # repository: "commit", "pull-request" or "auto"

[projects.tracker]
kind = "github"
repo = "acme/website"

[projects.labels]
managed = "plansync"                 # on every issue plansync manages ("" for none)
priority = "priority: {priority}"    # "" for none
groups = true                        # a table's group rows become `group: ...` labels

[projects.people]
"Dev 1" = "alice"

[projects.conflicts]
state = "close-wins"                 # or "plan", "tracker"
text = "plan"                        # or "tracker"

[projects.summary]
enabled = true                       # the summary block in each planfile
place = "after-title"                # or "top", "end", "markers" (only where the markers are)
mermaid = false                      # a pie chart of task states in the block
milestones = true                    # the progress line in each milestone's description
tracking_issue = false               # one issue per planfile holding its summary and tasks

[projects.commands]
enabled = true                       # `/plan ...` lines in issue comments are run
min_permission = "write"             # or "read", "triage", "maintain", "admin"
allow = []                           # users who may command whatever their permission
permission_cache_minutes = 10        # how long a user's permission is taken as read
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plansync.model.changeset import SummaryPlace
from plansync.trackers.registry import TrackerConfig

Direction = Literal["both", "push", "pull"]
StatePolicy = Literal["close-wins", "plan", "tracker"]
TextPolicy = Literal["plan", "tracker"]
RemovedPolicy = Literal["report", "close"]
# A task whose line references an issue the tracker cannot give it (missing, or another task's).
MissingReferencePolicy = Literal["report", "create"]
AdoptPolicy = Literal["id", "title"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TEMPLATE_FIELDS = re.compile(r"\{([^{}]*)\}")
_BRANCH = re.compile(r"^(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![/.])$")


class LabelRules(BaseModel):
    """The labels plansync puts on the issues it manages. It never removes a label it did not
    put there itself."""

    model_config = ConfigDict(extra="forbid")

    managed: str = "plansync"
    priority: str = "priority: {priority}"
    groups: bool = True

    @field_validator("priority")
    @classmethod
    def _priority_template(cls, template: str) -> str:
        _check_template(template, {"priority"})
        return template


class ConflictPolicy(BaseModel):
    """What wins when a field changed on both sides since the last sync.

    `state`: `close-wins` (a close on either side wins over an open), `plan` or `tracker`.
    `text` (titles): `plan` or `tracker`.
    """

    model_config = ConfigDict(extra="forbid")

    state: StatePolicy = "close-wins"
    text: TextPolicy = "plan"


class PlansSource(BaseModel):
    """Where the planfiles live: `local` (under the config's `root`) or `repository` (the
    tracker's own repository, read and written through its API; `working_copy` is the folder,
    relative to the config file, where a run keeps the files it read and the commit it has
    still to push)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local", "repository"] = "local"
    branch: str = ""
    write: Literal["commit", "pull-request", "auto"] = "auto"
    working_copy: str = ".plansync/repository"

    @field_validator("branch")
    @classmethod
    def _branch_name(cls, branch: str) -> str:
        if branch and not _BRANCH.match(branch):
            raise ValueError('expected a branch name such as main or release/2.0, or ""')
        return branch


class SummaryConfig(BaseModel):
    """What plansync writes about progress and coverage, and where.

    `place`: where a planfile without the summary markers gets its block: `after-title` (after
    the first H1 title and the metadata lines under it), `top`, `end`, or `markers` (nowhere:
    only files holding `<!-- plansync:summary -->` and `<!-- /plansync:summary -->` get one).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    place: SummaryPlace = "after-title"
    mermaid: bool = False
    milestones: bool = True
    tracking_issue: bool = False


PermissionName = Literal["read", "triage", "write", "maintain", "admin"]


class CommandsConfig(BaseModel):
    """Who may steer the plan with `/plan ...` comments. `min_permission` is on GitHub's scale;
    GitLab's roles map onto it (reporter = triage, developer = write, maintainer = maintain,
    owner = admin)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min_permission: PermissionName = "write"
    allow: list[str] = Field(default_factory=list)
    permission_cache_minutes: float = Field(default=10.0, ge=0)


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    tracker: TrackerConfig
    plans: list[str] = Field(min_length=1)
    direction: Direction = "both"
    interval_minutes: float = Field(default=5.0, gt=0)
    removed: RemovedPolicy = "report"
    # Every how many runs each linked issue is read on its own, to notice one deleted or moved
    # (one request per issue); a run that reads the whole issue list notices it anyway.
    check_deleted_every: int = Field(default=12, ge=0)
    missing_reference: MissingReferencePolicy = "report"
    # Before a create, an unmarked issue whose title carries the task's ID is adopted; with
    # "title", also an open one whose title is the task's.
    adopt: AdoptPolicy = "id"
    milestone_template: str = "{section}"
    labels: LabelRules = Field(default_factory=LabelRules)
    people: dict[str, str] = Field(default_factory=dict)
    conflicts: ConflictPolicy = Field(default_factory=ConflictPolicy)
    summary: SummaryConfig = Field(default_factory=SummaryConfig)
    plans_source: PlansSource = Field(default_factory=PlansSource)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)

    @property
    def scope(self) -> str:
        """The state store's key for this project and the repository it syncs with."""
        return self.tracker.scope_key(self.name)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("expected letters, digits, `.`, `_` or `-`, e.g. website")
        return name

    @field_validator("plans")
    @classmethod
    def _relative_globs(cls, globs: list[str]) -> list[str]:
        for glob in globs:
            if not glob.strip():
                raise ValueError("a plan glob is empty; expected e.g. plans/*.md")
            if glob.startswith("/"):
                raise ValueError(f"{glob!r} is absolute; globs are relative to `root`")
        return globs

    @field_validator("milestone_template")
    @classmethod
    def _milestone_template(cls, template: str) -> str:
        _check_template(template, {"section", "plan"})
        if "{section}" not in template:
            raise ValueError("the template must contain {section}, e.g. '{plan}: {section}'")
        return template


def _check_template(template: str, allowed: set[str]) -> None:
    for name in _TEMPLATE_FIELDS.findall(template):
        if name not in allowed:
            expected = ", ".join(f"{{{a}}}" for a in sorted(allowed))
            raise ValueError(f"unknown placeholder {{{name}}}; expected {expected}")

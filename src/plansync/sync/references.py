"""What the issue references on a task's line mean, and the one plansync writes there.

A reference (`#40`) is the person's word that the task is that issue. When the tracker cannot
give it (the issue is missing: an empty repository, a deleted issue, a plan written for another
repository; or it is a plan's tracking issue, or another task's), the person decides:
`missing_reference = "report"` creates nothing and leaves the line alone, `"create"` gives the
task a new issue whose reference takes the dead one's place.

A milestone heading's issue list (`### Milestone 4 (Issues #1, #32)`) claims the tasks whose
lines reference those numbers, as the people who wrote it meant them. The reference plansync
writes for a task therefore never moves a task into a milestone: where `#1` would (plansync's
own #1 is not the list's #1), it writes `owner/repo#1`, which the list does not name, and says
so. Two ways `#1` would: on the line of a task outside every milestone section, when a list
names #1; and on a milestone heading that is itself a task (`## FIX-6: Phase 1`), where `#1`
joins the heading's list, when a task outside every milestone section references #1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from plansync.config.project import ProjectConfig
from plansync.model.changeset import EditPlan, PlanEditKind
from plansync.model.plan import IssueRef, PlanDocument, Section, Task
from plansync.model.remote import RemoteIssue
from plansync.model.sync import Notice, PlanInput, TaskRef
from plansync.planfile.edit_reference import replaceable_reference
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.link_forms import claim_keys
from plansync.trackers.markers import find_tracking_marker
from plansync.trackers.registry import TrackerConfig

ClaimKey = tuple[str | None, int]


def own_references(task: Task, tracker: TrackerConfig) -> list[IssueRef]:
    """The task's references to issues of the project's repository on its tracker: `ref:GL#7`
    and `GH-7` are none for a project of the other kind, nor is an issue URL of another
    repository or another host."""
    host = web_host(tracker)
    return [r for r in task.issue_refs if r.is_for(tracker.repo, tracker.kind, host)]


def references(task: Task, number: int, tracker: TrackerConfig) -> bool:
    """Whether the task's line refers to issue `number` of the project's repository."""
    return any(r.number == number for r in own_references(task, tracker))


def web_host(tracker: TrackerConfig) -> str:
    """The host of the tracker's web pages (where its issue URLs point)."""
    return urlsplit(tracker.web_url("")).netloc


def heading_claims(
    document: PlanDocument, added: tuple[Section, ClaimKey] | None = None
) -> dict[ClaimKey, Section]:
    """Each issue a milestone heading's list names -> the first such heading (as the reader
    assigns milestones by them). `added`: a heading and a reference its list would get."""
    found: dict[ClaimKey, Section] = {}
    for section in document.sections:
        if section.is_milestone:
            for ref in section.issue_refs:
                found.setdefault((ref.repo, ref.number), section)
            if added is not None and added[0] is section:
                found.setdefault(added[1], section)
    return found


def _enclosing_milestone(sections: tuple[Section, ...], line: int) -> str | None:
    """The milestone section around `line`, as the reader finds it (None inside criteria).
    `sections`: the document's milestone and criteria sections (see `_DocumentView`)."""
    around = [s for s in sections if s.line <= line <= s.end_line]
    for section in sorted(around, key=lambda s: s.line, reverse=True):
        if section.is_criteria:
            return None
        if section.is_milestone:
            return section.title
    return None


def _claimed_by(refs: list[ClaimKey], claims: Mapping[ClaimKey, Section]) -> str | None:
    return next((claims[r].title for r in refs if r in claims), None)


def _moved_by_heading(
    document: PlanDocument,
    deciding: tuple[Section, ...],
    task: Task,
    number: int,
    claims: Mapping[ClaimKey, Section],
) -> Task | None:
    """The first other task that `#number` written on the task's line would move into a
    milestone, when that line is a milestone's heading: `#number` joins the heading's list
    (read after the list it has), which claims a task outside every milestone section by the
    first of its references a list names."""
    heading = next((s for s in deciding if s.line == task.line and s.is_milestone), None)
    if heading is None:
        return None
    after = heading_claims(document, (heading, (None, number)))
    for other in document.tasks:
        if other is task or other.criterion or (None, number) not in claim_keys(other.issue_refs):
            continue
        if _enclosing_milestone(deciding, other.line) is not None:
            continue
        refs = claim_keys(other.issue_refs)
        if _claimed_by(refs, after) != _claimed_by(refs, claims):
            return other
    return None


@dataclass(frozen=True)
class Unusable:
    """A reference on a task's line that cannot be the task's issue, and why, in words."""

    ref: IssueRef
    why: str


@dataclass(frozen=True)
class _DocumentView:
    """What every task of a document asks of its sections, worked out once per document, not
    once per task: a big prose plan has thousands of sections."""

    claims: dict[ClaimKey, Section]
    deciding: tuple[Section, ...]  # milestone and criteria sections: the others decide nothing

    @classmethod
    def of(cls, document: PlanDocument) -> _DocumentView:
        deciding = tuple(s for s in document.sections if s.is_milestone or s.is_criteria)
        return cls(heading_claims(document), deciding)


@dataclass(frozen=True)
class LineReferences:
    """The run's view of references: the tracker's issues and whose each is (by link or by
    plansync's marker)."""

    project: ProjectConfig
    issues: Mapping[int, RemoteIssue]
    owners: Mapping[int, TaskRef]
    # id(document) -> (the document, kept so its id stays its own; its view)
    _views: dict[int, tuple[PlanDocument, _DocumentView]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _view(self, document: PlanDocument) -> _DocumentView:
        known = self._views.get(id(document))
        if known is None or known[0] is not document:
            known = (document, _DocumentView.of(document))
            self._views[id(document)] = known
        return known[1]

    def unusable(self, ref: TaskRef, task: Task, number: int | None = None) -> list[Unusable]:
        """The task's references the tracker cannot give it: missing issues, plansync's tracking
        issues (unless the title mentions one: `Watch #5`), and other tasks' issues. `number`:
        the task's own issue, if it has one."""
        found: list[Unusable] = []
        tracker = self.project.tracker
        for issue_ref in own_references(task, tracker):
            if issue_ref.number == number:
                continue
            owner = self.owners.get(issue_ref.number)
            issue = self.issues.get(issue_ref.number)
            if issue is None:
                found.append(Unusable(issue_ref, "which the tracker does not have"))
            elif find_tracking_marker(issue.body):
                if not _in_title(task, issue_ref):
                    found.append(Unusable(issue_ref, "which is a plan's tracking issue"))
            elif owner is not None and owner != ref:
                found.append(Unusable(issue_ref, f"which is the issue of task {owner.key!r}"))
        return found

    def unlinked_notice(self, ref: TaskRef, task: Task, dead: list[Unusable]) -> Notice:
        """What the run says of a task that gets no issue through its references."""
        where = f"{ref.planfile}:{task.line}"
        said = _listed(dead)
        if self.project.missing_reference == "create":
            then = (
                "a new issue is created for it, and its reference takes the dead one's place "
                '(missing_reference = "create")'
            )
        else:
            then = (
                "no issue is created for it and its line is left as it is: fix the reference, "
                'or set missing_reference = "create" to give the task a new issue in its place'
            )
        return Notice(ref, f"{where}: the task references {said}; {then}", dead[0].ref.number)

    def link_edit(
        self, plan: PlanInput, task: Task, number: int
    ) -> tuple[EditPlan | None, list[Notice]]:
        """The edit that writes the task's issue `number` on its line (None: the line is left
        alone), and what the run says about it."""
        ref = TaskRef(plan.planfile, task.key)
        where = f"{plan.planfile}:{task.line}"
        dead = self.unusable(ref, task, number)
        if dead and self.project.missing_reference == "report":
            said = ", ".join(d.ref.text for d in dead)
            return None, [
                Notice(
                    ref,
                    f"{where}: the task's issue is #{number}, but its line references {said} "
                    f"({dead[0].why}); the line is left as it is: fix the reference, or set "
                    'missing_reference = "create" to have it replaced',
                    number,
                )
            ]
        claims = self._view(plan.document).claims
        line = plan.lines[task.line - 1] if 0 < task.line <= len(plan.lines) else ""
        replaced = next(
            (
                d.ref
                for d in dead
                if (d.ref.repo, d.ref.number) not in claims
                and replaceable_reference(line, task.line, d.ref.text, task.table)
            ),
            None,
        )
        notices = self._kept(
            ref, where, [d for d in dead if d.ref is not replaced], claims, line, task
        )
        text = self._reference(plan, task, number, replaced, claims, notices)
        why = f"link the task to {text}"
        if replaced is not None:
            why += f" in place of {replaced.text}"
        old = replaced.text if replaced is not None else ""
        return EditPlan(ref, PlanEditKind.LINK, why, value=text, old=old), notices

    def _reference(
        self,
        plan: PlanInput,
        task: Task,
        number: int,
        replaced: IssueRef | None,
        claims: Mapping[ClaimKey, Section],
        notices: list[Notice],
    ) -> str:
        """`#N`, or `owner/repo#N` where `#N` would move a task into a milestone (see the
        module's docstring): the task itself into the milestone whose heading lists #N (the
        reader assigns a milestone by a heading's list only to a task outside every milestone
        section, by its first reference a list names), or, on a milestone heading, a task
        that references #N into that heading's milestone."""
        if task.criterion:
            return f"#{number}"
        deciding = self._view(plan.document).deciding
        repo = self.project.tracker.repo
        where = f"{plan.planfile}:{task.line}"
        moved = _moved_by_heading(plan.document, deciding, task, number, claims)
        if moved is not None:
            notices.append(
                Notice(
                    TaskRef(plan.planfile, task.key),
                    f"{where}: #{number} is the issue plansync made for this task "
                    f"({task.title!r}), whose line is the heading of a milestone; written "
                    f"there, #{number} would join the heading's issue list and move task "
                    f"{moved.key!r} (line {moved.line}), which references #{number}, into "
                    f"that milestone. The line gets {repo}#{number}. Fix the reference on "
                    f"line {moved.line} if it meant this task",
                    number,
                )
            )
            return f"{repo}#{number}"
        if _enclosing_milestone(deciding, task.line) is not None:
            return f"#{number}"
        refs = claim_keys(task.issue_refs)
        written = IssueRef(number, f"#{number}")
        if replaced is not None:
            after = claim_keys(written if r == replaced else r for r in task.issue_refs)
        else:
            after = [*refs, (None, number)]
        moved_to = _claimed_by(after, claims)
        if moved_to is None or moved_to == _claimed_by(refs, claims):
            return f"#{number}"
        notices.append(
            Notice(
                TaskRef(plan.planfile, task.key),
                f"{where}: the plan's {moved_to!r} lists #{number}, which "
                f"is the issue plansync made for this task ({task.title!r}); the line gets "
                f"{repo}#{number}, so the task does not move into that milestone. Fix the "
                "heading's list if it meant this task",
                number,
            )
        )
        return f"{repo}#{number}"

    def _kept(
        self,
        ref: TaskRef,
        where: str,
        kept: list[Unusable],
        claims: Mapping[ClaimKey, Section],
        line: str,
        task: Task,
    ) -> list[Notice]:
        """What the run says of the references the tracker cannot give the task that stay on
        its line, grouped by why they stay."""
        groups: dict[tuple[str, str | None], list[str]] = {}
        for dead in kept:
            claim = claims.get((dead.ref.repo, dead.ref.number))
            if claim is not None:
                because = "claimed"
            elif replaceable_reference(line, task.line, dead.ref.text, task.table):
                because = "one replaced"
            else:
                because = "in the text"
            key = (because, claim.title if claim is not None else None)
            groups.setdefault(key, []).append(dead.ref.text)
        parts = []
        for (because, claim_title), texts in groups.items():
            it = "it" if len(texts) == 1 else "them"
            words = {
                "claimed": f"the plan's {claim_title!r} lists {it}, and without {it} the task "
                "would leave that milestone",
                "one replaced": "only one reference makes way for the task's own",
                "in the text": f"{'it stands' if it == 'it' else 'they stand'} in the task's "
                "text, not where plansync writes references",
            }[because]
            parts.append(f"{' and '.join(texts)} ({words})")
        if not parts:
            return []
        said = "; ".join(parts)
        return [
            Notice(
                ref,
                f"{where}: the line keeps {said}, which the tracker cannot give "
                "the task, beside its own issue. Edit it by hand",
                kept[0].ref.number,
            )
        ]


def _in_title(task: Task, ref: IssueRef) -> bool:
    """Whether the task's title mentions the issue (`Watch #5`): a mention of a plan's tracking
    issue there is no claim on it, and the task gets an issue of its own."""
    return any((r.repo, r.number) == (ref.repo, ref.number) for r in parse_issue_refs(task.title))


def _listed(dead: list[Unusable]) -> str:
    """`#61 and #66, which the tracker does not have, and #1, which is the issue of ...`."""
    by_why: dict[str, list[str]] = {}
    for item in dead:
        by_why.setdefault(item.why, []).append(item.ref.text)
    parts = [f"{' and '.join(texts)}, {why}" for why, texts in by_why.items()]
    return ", and ".join(parts)

"""Which issue each task is: the state store's link, else the issue carrying the task's marker,
else one the plan references, else a renamed task's old issue; only a task with none of these
gets a new issue, so nothing is ever created twice. Before a create, an unmarked issue that
fits the task is adopted (see `adopt`). A task whose references name issues the
tracker cannot give it (missing, or other tasks') gets one only when the project says so.

Which tasks there are at all takes the links' memory too: a task an item of its own defined
when it was last synced, of which only a mention of its ID in prose is left, was removed (see
`retired_tasks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from plansync.config.project import ProjectConfig
from plansync.model.changeset import LinkIssue
from plansync.model.plan import IssueRef, Task
from plansync.model.remote import IssueState
from plansync.model.sync import Known, Link, Notice, PlanInput, RemoteSnapshot, TaskRef
from plansync.sync.adopt import Adoption
from plansync.sync.references import LineReferences, own_references, references
from plansync.sync.removed import gone_issue_message
from plansync.trackers.markers import find_marker, find_tracking_marker, task_of_marker


def _twins(a: TaskRef, b: TaskRef) -> bool:
    """Two keys of tasks of one title in one planfile (`same`, `same~2`)."""
    return a != b and a.planfile == b.planfile and a.key.split("~")[0] == b.key.split("~")[0]


def retired_tasks(plan: PlanInput, links: Mapping[TaskRef, Link]) -> frozenset[str]:
    """Keys of the planfile's tasks that are no longer tasks: an item or row of their own
    defined them when they were last synced, and only a mention of their ID in prose is left.
    The mention refers to a removed task; it never becomes the task. (The base remembers
    how the task was defined; a task no item ever defined stays its mention's.)"""
    found: set[str] = set()
    for task in plan.document.tasks:
        link = links.get(TaskRef(plan.planfile, task.key)) if task.from_mention else None
        if link is not None and link.base is not None and link.base.from_mention is False:
            found.add(task.key)
    return frozenset(found)


def without_retired(plan: PlanInput, links: Mapping[TaskRef, Link]) -> PlanInput:
    """The planfile as a run syncs and summarises it: without its retired tasks."""
    keys = retired_tasks(plan, links)
    if not keys:
        return plan
    tasks = tuple(t for t in plan.document.tasks if t.key not in keys)
    return replace(plan, document=replace(plan.document, tasks=tasks))


@dataclass
class Resolution:
    """`links`: every linked task's link (the store's and the new ones); `linked_now`: the new
    ones; `to_create`: tasks that get an issue; `renamed`: old task keys whose link moved;
    `made_here`: tasks linked through plansync's marker (their issue is as plansync made it);
    `owners`: whose issue each issue is, by link or by plansync's marker; `adopted`: tasks
    linked to an unmarked issue that fits them (see `adopt`), whose base is the issue as found."""

    links: dict[TaskRef, Link]
    linked_now: dict[TaskRef, LinkIssue] = field(default_factory=dict)
    to_create: list[tuple[PlanInput, Task]] = field(default_factory=list)
    renamed: set[TaskRef] = field(default_factory=set)
    made_here: set[TaskRef] = field(default_factory=set)
    notices: list[Notice] = field(default_factory=list)
    owners: dict[int, TaskRef] = field(default_factory=dict)
    adopted: set[TaskRef] = field(default_factory=set)

    def references(self, remote: RemoteSnapshot, project: ProjectConfig) -> LineReferences:
        return LineReferences(project, remote.issues, self.owners)


def resolve_links(
    tasks: list[tuple[PlanInput, Task]],
    remote: RemoteSnapshot,
    known: Known,
    project: ProjectConfig,
    retired: frozenset[TaskRef] = frozenset(),
) -> Resolution:
    """`retired`: linked tasks of the plans that are no longer tasks (see `retired_tasks`):
    their issues are not free for a renamed task to take."""
    return _Resolver(remote, known, project, retired).run(tasks)


class _Resolver:
    def __init__(
        self,
        remote: RemoteSnapshot,
        known: Known,
        project: ProjectConfig,
        retired: frozenset[TaskRef],
    ) -> None:
        self.remote = remote
        self.known = known
        self.project = project
        self.retired = retired
        self.push = project.direction in ("both", "push")
        self.pull = project.direction in ("both", "pull")
        self.out = Resolution(dict(known.links))

    def run(self, tasks: list[tuple[PlanInput, Task]]) -> Resolution:
        self._resolve_links(tasks)
        return self.out

    def _notice(self, ref: TaskRef | None, message: str, number: int | None = None) -> None:
        self.out.notices.append(Notice(ref, message, number))

    def _resolve_links(self, tasks: list[tuple[PlanInput, Task]]) -> None:
        """Each task's issue: the state store's link, else the issue carrying its marker, else
        an issue the plan references; only a task with none of these gets a new issue, so
        nothing is ever created twice."""
        by_marker: dict[TaskRef, list[int]] = {}
        for number in sorted(self.remote.issues):
            key = find_marker(self.remote.issues[number].body)
            owner = task_of_marker(key) if key else None
            if owner is not None:
                by_marker.setdefault(owner, []).append(number)
        for owner, numbers in by_marker.items():
            self.out.owners.update(dict.fromkeys(numbers, owner))
        self.out.owners.update({link.number: ref for ref, link in self.out.links.items()})
        claimed = {link.number for link in self.out.links.values()}
        claimed.update(n for numbers in by_marker.values() for n in numbers)
        # A planfile's tracking issue is plansync's own: a task mentioning it is not its task.
        claimed.update(
            n for n, issue in self.remote.issues.items() if find_tracking_marker(issue.body)
        )
        present = {TaskRef(plan.planfile, task.key) for plan, task in tasks} | self.retired
        # Issues whose task is gone from the plans read (its key changed with its title, or its
        # planfile moved): a task keeps its issue through the reference plansync wrote on its
        # line, whether the link is in the state store or only in the issue's marker.
        orphans: dict[int, Link] = {}
        for owner, numbers in by_marker.items():
            if owner not in present and owner not in self.known.links:
                issue = self.remote.issues[numbers[0]]
                orphans[issue.number] = Link(owner, issue.number, issue.id, issue.url, None)
        for old, old_link in self.known.links.items():
            if old not in present:
                orphans[old_link.number] = old_link
        adoption: Adoption | None = None  # indexed when a task first has no issue
        moves = self._renumbered(tasks)
        for ref, _ in moves:  # the issue a twin's key was linked to is free for its task
            orphans[self.known.links[ref].number] = self.known.links[ref]
        for ref, taken in moves:
            orphans.pop(taken.number, None)
            self.out.links[ref] = Link(ref, taken.number, taken.issue_id, taken.url, taken.base)
            self.out.owners[taken.number] = ref
        for plan, task in tasks:
            ref = TaskRef(plan.planfile, task.key)
            link = self.out.links.get(ref)
            if link is not None:
                if link.number in self.remote.issues:
                    continue
                if not (self.push and self.pull) or references(
                    task, link.number, self.project.tracker
                ):
                    message = gone_issue_message(link.number, self.project.direction)
                    self._notice(ref, message, link.number)
                    continue
                # Its issue is gone and a person removed the reference: a new issue it is.
                del self.out.links[ref]
            marked = by_marker.get(ref, [])
            if marked:
                if len(marked) > 1:
                    others = ", ".join(f"#{n}" for n in marked[1:])
                    self._notice(ref, f"issues {others} carry the same marker as #{marked[0]}")
                self._link(ref, marked[0], "the issue carries this task's marker")
                self.out.made_here.add(ref)
                continue
            renamed = self._renamed(task, orphans)
            if renamed is not None:
                del orphans[renamed.number]
                self._relink(ref, renamed)
                continue
            referenced = self._referenced(task, claimed)
            if referenced is not None:
                claimed.add(referenced.number)
                self._link(ref, referenced.number, _references_why(referenced))
                continue
            if not self.push:
                self._notice(ref, "not linked to an issue: the direction is pull")
                continue
            line_references = self.out.references(self.remote, self.project)
            dead = line_references.unusable(ref, task)
            if dead:
                self.out.notices.append(line_references.unlinked_notice(ref, task, dead))
                if self.project.missing_reference != "create":
                    continue
            if adoption is None:
                adoption = self._adoption(tasks, claimed)
            candidates = adoption.for_task(task)
            if candidates.number is not None:
                claimed.add(candidates.number)
                self._link(ref, candidates.number, candidates.why)
                self.out.adopted.add(ref)
                continue
            if candidates.reason is not None:
                self._notice(ref, candidates.reason)
                continue
            self.out.to_create.append((plan, task))
        if not self.pull:
            self._renamed_unreferenced(orphans)
        # After the task that took a twin's key's issue moved its link: the store moves each
        # link off a key before another link comes onto it.
        for ref, taken in moves:
            why = f"its line references #{taken.number}, the issue of {taken.task.key!r}"
            self.out.linked_now[ref] = LinkIssue(
                ref, taken.number, taken.issue_id, taken.url, why, taken.task
            )
            self.out.renamed.add(taken.task)

    def _renumbered(self, tasks: list[tuple[PlanInput, Task]]) -> list[tuple[TaskRef, Link]]:
        """Twins (tasks of one title, keyed `same`, `same~2`) renumbered in a run that renamed
        one of them: a task whose key is linked to an issue its line does not reference, while
        its line references the issue of a twin's key, is that twin. The reference plansync
        wrote on the line wins over the key. Each as (the task, the link it takes)."""
        tracker = self.project.tracker
        by_number = {link.number: link for link in self.known.links.values()}
        found: dict[int, list[TaskRef]] = {}
        for plan, task in tasks:
            ref = TaskRef(plan.planfile, task.key)
            link = self.known.links.get(ref)
            if link is None or references(task, link.number, tracker):
                continue
            twins = {
                r.number
                for r in own_references(task, tracker)
                if r.number in by_number
                and r.number in self.remote.issues
                and _twins(by_number[r.number].task, ref)
            }
            if len(twins) == 1:
                found.setdefault(twins.pop(), []).append(ref)
        # Two lines naming one twin's issue: neither is moved.
        return [(refs[0], by_number[n]) for n, refs in found.items() if len(refs) == 1]

    def _adoption(self, tasks: list[tuple[PlanInput, Task]], claimed: set[int]) -> Adoption:
        """The issues tasks could adopt: none that is linked, marked, or that a task's line
        references (an explicit reference wins over an adoption, wherever it stands)."""
        tracker = self.project.tracker
        referenced = {ref.number for _, task in tasks for ref in own_references(task, tracker)}
        return Adoption(self.remote.issues, claimed, referenced, self.project.adopt == "title")

    def _renamed_unreferenced(self, orphans: dict[int, Link]) -> None:
        """Push never writes `(#N)` into the plan, so a renamed task has no reference to follow.
        Where one section of a planfile lost exactly one linked task and gained exactly one new
        task, that is the same task renamed: it keeps its issue instead of getting a second."""
        new: dict[tuple[str, str | None], list[tuple[PlanInput, Task]]] = {}
        for plan, task in self.out.to_create:
            where = (plan.planfile, plan.milestone_of(task, self.project.milestone_template))
            new.setdefault(where, []).append((plan, task))
        gone: dict[tuple[str, str | None], list[Link]] = {}
        for link in orphans.values():
            issue = self.remote.issues.get(link.number)
            if issue is not None and issue.state is IssueState.OPEN:
                gone.setdefault((link.task.planfile, issue.milestone_title), []).append(link)
        for where, tasks in new.items():
            links = gone.get(where, [])
            if len(tasks) == 1 and len(links) == 1:
                plan, task = tasks[0]
                self.out.to_create.remove((plan, task))
                self._relink(TaskRef(plan.planfile, task.key), links[0])

    def _renamed(self, task: Task, orphans: dict[int, Link]) -> Link | None:
        for ref in own_references(task, self.project.tracker):
            link = orphans.get(ref.number)
            if link is not None:
                return link
        return None

    def _relink(self, ref: TaskRef, old: Link) -> None:
        was = old.task.key if old.task.planfile == ref.planfile else str(old.task)
        why = f"renamed or moved in the plan (it was {was!r})"
        self.out.linked_now[ref] = LinkIssue(ref, old.number, old.issue_id, old.url, why, old.task)
        self.out.links[ref] = Link(ref, old.number, old.issue_id, old.url, old.base)
        self.out.owners[old.number] = ref
        self.out.renamed.add(old.task)

    def _referenced(self, task: Task, claimed: set[int]) -> IssueRef | None:
        for ref in own_references(task, self.project.tracker):
            if ref.number in self.remote.issues and ref.number not in claimed:
                return ref
        return None

    def _link(self, ref: TaskRef, number: int, why: str) -> None:
        issue = self.remote.issues[number]
        self.out.linked_now[ref] = LinkIssue(ref, number, issue.id, issue.url, why)
        self.out.links[ref] = Link(ref, number, issue.id, issue.url, None)
        self.out.owners[number] = ref


def _references_why(ref: IssueRef) -> str:
    """`the plan references #510`, with the form the line wrote it in where it is another."""
    said = f"the plan references #{ref.number}"
    return said if ref.text == f"#{ref.number}" else f"{said} (as {ref.text})"

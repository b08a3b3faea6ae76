"""The commands step of a run: new issue comments read, their `/plan` commands authorised and
carried out on the planfiles, each comment answered once. It runs before reconcile, so the
issue follows the plan in the same run (`/plan done` ticks the task, reconcile closes the issue).

Exactly once, also across crashes: for each comment the plan is written first, then the
comment is recorded as processed together with its reply (`record_reply`), then the reply is
posted and the reaction added. A run killed before the record runs the comment again, and every
change a command makes is one the plan then already shows, so running it again changes
nothing; a run killed after the record posts the recorded reply and runs nothing again.

A dry run works out the same changes on the bytes in memory and answers nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from plansync.commands.authorise import Authoriser, answered_comment, is_bot
from plansync.commands.dispatch import handle, handle_unmanaged
from plansync.commands.edits import apply_change
from plansync.commands.outcome import ChangeKind, Outcome, PlanChange, Verdict
from plansync.commands.parse import ParsedComment, parse_commands
from plansync.commands.reply import reaction_for, refused_body, reply_body
from plansync.commands.structure import PlanView
from plansync.commands.text import inline
from plansync.commands.verbs import TaskContext
from plansync.config.project import ProjectConfig
from plansync.errors import TrackerError
from plansync.fileio import atomic_write
from plansync.model.remote import Permission, RemoteComment
from plansync.model.sync import Link, Notice, TaskRef
from plansync.state.base import PendingReply, StateStore
from plansync.sync.plans import PlanRead, PlanSource
from plansync.trackers.base import Tracker

STREAM = "comments"
# Reads of the comments in one run: the second sees the run's own replies (so the next run
# starts from 304s) and whatever came while the first was answered.
_ROUNDS = 2


@dataclass
class CommandsRun:
    plans: list[PlanRead]
    notices: list[Notice] = field(default_factory=list)
    changed: bool = False  # a planfile changed
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (verb, verdict) of each command


def run_commands(
    tracker: Tracker,
    store: StateStore,
    project: ProjectConfig,
    source: PlanSource,
    plans: list[PlanRead],
    *,
    writes: bool,
) -> CommandsRun:
    run = CommandsRun(list(plans))
    if not project.commands.enabled:
        return run
    step = _Step(tracker, store, project, source, run, writes)
    for _ in range(_ROUNDS if writes else 1):
        if not step.read_and_run():
            break
    return run


class _Step:
    def __init__(
        self,
        tracker: Tracker,
        store: StateStore,
        project: ProjectConfig,
        source: PlanSource,
        run: CommandsRun,
        writes: bool,
    ) -> None:
        self.tracker = tracker
        self.store = store
        self.source = source
        self.run = run
        self.writes = writes
        settings = project.commands
        self.needed = settings.min_permission
        self.people = project.people
        self.unfinished = False  # a comment was left for the next run: the cursor stays
        self.authoriser = Authoriser(
            f"{tracker.kind}:{tracker.repo}",
            tracker.permission,
            Permission[settings.min_permission.upper()],
            frozenset(settings.allow),
            settings.permission_cache_minutes,
        )

    def read_and_run(self) -> bool:
        """Read the comments new since the cursor and run them; whether a reply was posted.

        A tracker failure stops the step, not the run: the comments not yet answered stay
        after the cursor, which does not move, and the next run takes them up again (those
        already answered are known by their ids)."""
        cursor = self.store.cursor(STREAM)
        posted = False
        try:
            observed = self.tracker.observe_comments(cursor)
            if self.writes:
                # Replies recorded but not known as posted: a run died around the post. One
                # whose reply is among the comments read was posted; the others are posted now.
                answered = {answered_comment(c.body) for c in observed.items}
                self.post_pending(answered)
            if cursor is not None:  # a first read is where commands start: older are history
                for comment in observed.items:
                    posted |= self._comment(comment)
        except TrackerError as exc:
            self._note(None, f"comments: {exc} The next run takes them up again.")
            return False
        if self.writes and not observed.not_modified and not self.unfinished:
            self.store.save_snapshot((), None, {STREAM: observed.cursor})
        return posted

    def post_pending(self, answered: set[int | None]) -> None:
        for reply in self.store.pending_replies():
            self._post(reply, posted=reply.comment_id in answered)

    def _post(self, reply: PendingReply, posted: bool = False) -> None:
        if not posted:
            self.tracker.post_comment(reply.issue_number, reply.body)
        comment = RemoteComment(reply.comment_id, reply.issue_number, "", "", _EPOCH, _EPOCH)
        self.tracker.add_reaction(comment, reply.reaction)
        self.store.reply_posted(reply.comment_id)

    def _comment(self, comment: RemoteComment) -> bool:
        if is_bot(comment.author, comment.body) or self.store.is_comment_processed(comment.id):
            return False
        parsed = parse_commands(comment.body)
        if not parsed.commands:
            return False
        where = f"comment {comment.id} by {comment.author} on #{comment.issue_number}"
        if self.writes:
            self.tracker.add_reaction(comment, "eyes")
        if not self.authoriser.may_command(comment.author):
            body = refused_body(comment.id, comment.author, len(parsed.commands), self.needed)
            self._note(None, f"{where}: not run, {comment.author} may not command")
            self.run.verdicts.extend((c.verb, "forbidden") for c in parsed.commands)
            return self._answer(comment, body, "confused")
        outcomes = self._outcomes(comment, parsed)
        if outcomes is None:
            self.unfinished = True  # the planfile changed under the run: the next run does it
            return False
        for outcome in outcomes:
            self._note(None, f"{where}: {outcome.command.text[:80]} -> {outcome.verdict.value}")
            self.run.verdicts.append((outcome.command.verb, outcome.verdict.value))
        return self._answer(
            comment, reply_body(comment.id, outcomes, parsed.dropped), reaction_for(outcomes)
        )

    def _answer(self, comment: RemoteComment, body: str, reaction: str) -> bool:
        if not self.writes:
            return False
        reply = PendingReply(comment.id, comment.issue_number, body, reaction)
        self.store.record_reply(reply)  # processed, before anyone is answered
        self._post(reply)
        return True

    def _note(self, link: Link | None, message: str) -> None:
        self.run.notices.append(Notice(link.task if link else None, message))

    def _outcomes(self, comment: RemoteComment, parsed: ParsedComment) -> list[Outcome] | None:
        """Each command's outcome, its change made on the planfiles in memory (in order: a
        command sees what the ones before it did); None when a planfile changed under the run."""
        link = _link_of(self.store.links(), comment.issue_number)
        current = {p.planfile: p for p in self.run.plans}
        plan = current.get(link.task.planfile) if link is not None else None
        line = _task_line(plan, link)
        title: str | None = None
        outcomes: list[Outcome] = []
        for command in parsed.commands:
            if plan is not None and line is not None:
                context = _context(plan, line, self.people)
                if context is None:
                    outcome = Outcome(command, Verdict.REFUSED, _TASK_GONE)
                else:
                    outcome = handle(command, context)
            else:
                if command.verb == "track" and title is None:
                    title = self._issue_title(comment.issue_number)
                views = [_view(p) for p in current.values()]
                outcome = handle_unmanaged(command, views, comment.issue_number, title)
            change = outcome.change
            if change is not None:
                target = current[change.planfile]
                try:
                    raw = apply_change(target.raw, target.path, target.rules, change)
                except (ValueError, KeyError) as exc:
                    outcome = Outcome(command, Verdict.REFUSED, _unapplied(exc))
                else:
                    current[change.planfile] = self.source.parsed(target, raw)
                    if plan is not None and change.planfile == plan.planfile:
                        before, plan = plan, current[change.planfile]
                        line = _line_after(before, plan, line, change)
            outcomes.append(outcome)
        for edited in current.values():
            if edited.raw != _raw_of(self.run.plans, edited.planfile) and not self._save(edited):
                return None
        return outcomes

    def _issue_title(self, number: int) -> str | None:
        issue = self.tracker.get_issue(number)
        return issue.title if issue is not None else None

    def _save(self, plan: PlanRead) -> bool:
        before = next(p for p in self.run.plans if p.planfile == plan.planfile)
        if self.writes:
            target = plan.path.resolve()
            written = atomic_write(target, plan.raw, still_valid=lambda: _holds(target, before.raw))
            if not written:
                self._note(None, f"{plan.planfile} changed while commands ran; they run next time")
                return False
        self.run.plans = [plan if p.planfile == plan.planfile else p for p in self.run.plans]
        self.run.changed = True
        return True


# A reaction needs only the comment's id and issue: a recorded reply keeps no more.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_TASK_GONE = "The task of this issue is no longer in its planfile's lines as read; nothing done."


def _view(plan: PlanRead) -> PlanView:
    return PlanView(plan.planfile, plan.input.document, plan.input.lines)


def _raw_of(plans: list[PlanRead], planfile: str) -> bytes:
    return next(p.raw for p in plans if p.planfile == planfile)


def _line_after(
    before: PlanRead, after: PlanRead, line: int | None, change: PlanChange
) -> int | None:
    """Where the issue's task stands after `change`. An edit of the task's own lines leaves it
    where it was (an ID-less task's key may change with its title, its line does not); a move
    or an added line shifts lines, and the task's first line, unchanged, is found again."""
    if line is None or change.kind not in (ChangeKind.MOVE, ChangeKind.ADD):
        return line
    text = before.input.lines[line - 1]
    for task in after.input.document.tasks:
        if after.input.lines[task.line - 1] == text:
            return task.line
    return None


def _unapplied(exc: Exception) -> str:
    text = str(exc).split(". ")[0].replace("`", "'").rstrip(".")
    return f"The plan could not be changed: {inline(text[:300])}."


def _holds(path: Path, expected: bytes) -> bool:
    try:
        return path.read_bytes() == expected
    except FileNotFoundError:
        return False


def _link_of(links: Mapping[TaskRef, Link], number: int) -> Link | None:
    return next((link for link in links.values() if link.number == number), None)


def _plan_of(plans: list[PlanRead], link: Link | None) -> PlanRead | None:
    if link is None:
        return None
    return next((p for p in plans if p.planfile == link.task.planfile), None)


def _task_line(plan: PlanRead | None, link: Link | None) -> int | None:
    if plan is None or link is None:
        return None
    try:
        return plan.input.document.task(link.task.key).line
    except KeyError:
        return None


def _context(plan: PlanRead, line: int, people: Mapping[str, str]) -> TaskContext | None:
    """The task on `line` (a rename may give an ID-less task another key; its line stays)."""
    document = plan.input.document
    task = next((t for t in document.tasks if t.line == line), None)
    if task is None:
        return None
    return TaskContext(
        plan.planfile,
        task,
        plan.input.lines,
        plan_url=plan.input.plan_url,
        people=people,
        task_ids=frozenset(t.id for t in document.tasks if t.id),
        document=document,
    )

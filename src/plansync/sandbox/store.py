"""The sandbox's state: repositories with issues, milestones, labels, comments, files and roles.

Tracker-neutral: the GitHub and GitLab APIs both read and write it, and tests call it directly
to play "the other side" as a person. One re-entrant lock guards everything (the APIs hold it
for a whole request); every change is saved to the state file when there is one.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Final

from plansync.clock import Clock, SystemClock
from plansync.fileio import atomic_write
from plansync.sandbox.apps import AppRegistry
from plansync.sandbox.durations import human_duration
from plansync.sandbox.faults import FaultPlan
from plansync.sandbox.git import GitCommit, NotFastForwardError, last_commit
from plansync.sandbox.limits import LimitConfig, RateLimits
from plansync.sandbox.records import (
    ROLES,
    Comment,
    Issue,
    Label,
    Milestone,
    PullRecord,
    Reaction,
    Repo,
    StoredFile,
)
from plansync.sandbox.requestlog import RequestLog
from plansync.sandbox.store_errors import (
    FileAlreadyExistsError,
    InvalidFieldError,
    ProtectedBranchError,
    RefNotFastForwardError,
    StaleFileVersionError,
    UnknownCommentError,
    UnknownFileError,
    UnknownIssueError,
    UnknownLabelError,
    UnknownMilestoneError,
    UnknownRefError,
    UnknownRepoError,
)

BOT: Final = "plansync-bot"
STATE_FORMAT: Final = 1
DEFAULT_LABEL_COLOR: Final = "ededed"
# Object ids start far from the per-repository numbers, so that a client mixing up an issue's
# id and its number (or a milestone's id and iid) fails here as it would on the real service.
FIRST_ID: Final = 100_001
# GitLab's Issue includes ThrottledTouch (TOUCH_INTERVAL = 1.minute): adding or editing a note
# moves the issue's updated_at only when it is older than this. See SandboxStore's
# `throttle_note_touch`.
TOUCH_INTERVAL: Final = timedelta(minutes=1)
_COLOR = re.compile(r"[0-9a-fA-F]{6}")
_REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")


class _Unset(Enum):
    UNSET = 0


UNSET: Final = _Unset.UNSET
"""Leave the field as it is (distinct from None, which clears it)."""


class SandboxStore:
    """The state of every sandbox repository.

    `throttle_note_touch` (default True) models GitLab's ThrottledTouch: a comment added or
    edited less than TOUCH_INTERVAL after its issue's last update leaves the issue's
    updated_at where it was, so a client cannot find every new comment through the issues
    that changed. Set it to False for the simpler rule "every comment moves its issue".
    The GitHub API serves the same store, where the issue then lags as well (GitHub itself
    always moves it); plansync reads GitHub comments by their own time, so nothing it does on
    GitHub depends on the rule.
    """

    def __init__(
        self,
        repos: Iterable[str] = (),
        *,
        clock: Clock | None = None,
        state_file: Path | None = None,
        limits: LimitConfig | None = None,
        throttle_note_touch: bool = True,
    ) -> None:
        self.lock = threading.RLock()
        self._default_throttle = throttle_note_touch
        self.throttle_note_touch = throttle_note_touch
        self._default_clock: Clock = clock if clock is not None else SystemClock()
        self.clock: Clock = self._default_clock
        self.state_file = state_file
        self.faults = FaultPlan()
        self._default_limits = limits if limits is not None else LimitConfig()
        self.limits = RateLimits(self.clock, self._default_limits)
        self.requests = RequestLog()
        self.apps = AppRegistry()
        self.token_expiry: dict[str, date] = {}  # GitLab tokens' expiry dates (none by default)
        self._initial_repos = tuple(repos)
        self._repos: dict[str, Repo] = {}
        self._users: dict[str, int] = {}
        self._next_id = FIRST_ID
        self._next_repo_id = 1001
        self.version = 0  # bumped on every change
        with self.lock:
            self._fresh()

    # lifecycle ---------------------------------------------------------------------------

    def _fresh(self) -> None:
        self._repos.clear()
        self._users.clear()
        self._next_id = FIRST_ID
        self._next_repo_id = 1001
        self.add_user(BOT)
        for name in self._initial_repos:
            self._add_repo(name)

    def set_clock(self, clock: Clock) -> None:
        """Use another clock (e.g. a FakeClock) until the next reset."""
        with self.lock:
            self.clock = clock
            self.limits.clock = clock

    def reset(self) -> None:
        """Back to the state at start: the configured repositories, empty; no faults, the
        limits given at construction with fresh budgets, an empty request log, the clock
        and the comment-touch rule given at construction. The state file (if any) is
        overwritten."""
        with self.lock:
            self.set_clock(self._default_clock)
            self.throttle_note_touch = self._default_throttle
            self.faults.clear()
            self.limits.configure(self._default_limits)
            self.requests.clear()
            self.apps.clear()
            self.token_expiry.clear()
            self._fresh()
            self._changed()

    def load(self, path: Path) -> None:
        """Replace the state with the one saved in `path`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"Cannot read the sandbox state file {path}: {exc}. Delete it to start empty."
            ) from exc
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(
                f"The sandbox state file {path} is not format {STATE_FORMAT}; delete it to "
                "start empty."
            )
        with self.lock:
            self._repos = {r["full_name"]: Repo.from_json(r) for r in data.get("repos", [])}
            self._users = {str(k): int(v) for k, v in data.get("users", {}).items()}
            self._next_id = int(data.get("next_id", FIRST_ID))
            self._next_repo_id = int(data.get("next_repo_id", 1001))
            for name in self._initial_repos:
                if name not in self._repos:
                    self._add_repo(name)
            self.add_user(BOT)

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (what the state file holds)."""
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "next_id": self._next_id,
                "next_repo_id": self._next_repo_id,
                "users": dict(self._users),
                "repos": [r.to_json() for r in self._repos.values()],
            }

    def _changed(self) -> None:
        self.version += 1
        if self.state_file is not None:
            data = json.dumps(self.snapshot(), indent=1, sort_keys=True).encode("utf-8")
            atomic_write(self.state_file, data)

    @contextmanager
    def _mutation(self) -> Iterator[None]:
        with self.lock:
            yield
            self._changed()

    def _new_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def now(self) -> datetime:
        return self.clock.now()

    # users -------------------------------------------------------------------------------

    def add_user(self, username: str) -> int:
        """Register a user (idempotent) and return their numeric id."""
        with self.lock:
            if username not in self._users:
                self._users[username] = 10_000 + len(self._users)
            return self._users[username]

    def user_id(self, username: str) -> int:
        return self.add_user(username)

    def has_user(self, username: str) -> bool:
        with self.lock:
            return username in self._users

    def usernames(self) -> list[str]:
        with self.lock:
            return list(self._users)

    def username_of(self, user_id: int) -> str | None:
        with self.lock:
            for name, uid in self._users.items():
                if uid == user_id:
                    return name
            return None

    # repositories ------------------------------------------------------------------------

    def add_repo(self, full_name: str) -> Repo:
        with self._mutation():
            return self._add_repo(full_name)

    def _add_repo(self, full_name: str) -> Repo:
        if full_name in self._repos:
            return self._repos[full_name]
        if not _REPO_NAME.fullmatch(full_name):
            raise ValueError(
                f"Sandbox repository name {full_name!r} must look like 'owner/name' or "
                "'group/sub/project'."
            )
        repo = Repo(id=self._next_repo_id, full_name=full_name, created_at=self.now())
        self._next_repo_id += 1
        repo.permissions[BOT] = "admin"
        self._repos[full_name] = repo
        return repo

    def repo(self, full_name: str) -> Repo:
        with self.lock:
            repo = self._repos.get(full_name)
            if repo is None:
                # GitHub and GitLab both treat repository paths case-insensitively.
                for name, candidate in self._repos.items():
                    if name.lower() == full_name.lower():
                        return candidate
                raise UnknownRepoError(full_name, serves=self._repos)
            return repo

    def repo_by_id(self, repo_id: int) -> Repo:
        with self.lock:
            for repo in self._repos.values():
                if repo.id == repo_id:
                    return repo
            raise UnknownRepoError(f"id {repo_id}", serves=self._repos, repo_id=repo_id)

    def repos(self) -> list[Repo]:
        with self.lock:
            return list(self._repos.values())

    # permissions -------------------------------------------------------------------------

    def set_permission(self, repo: str, user: str, role: str) -> None:
        """Give `user` a role on `repo`: none, read, triage, write, maintain or admin."""
        if role not in ROLES:
            raise ValueError(f"Sandbox role must be one of {ROLES}, not {role!r}.")
        with self._mutation():
            target = self.repo(repo)
            self.add_user(user)
            if role == "none":
                target.permissions.pop(user, None)
            else:
                target.permissions[user] = role

    def permission(self, repo: str, user: str) -> str:
        with self.lock:
            return self.repo(repo).permissions.get(user, "none")

    # issues ------------------------------------------------------------------------------

    def create_issue(
        self,
        repo: str,
        title: str,
        body: str | None = "",
        *,
        labels: Iterable[str] = (),
        milestone: int | None = None,
        assignees: Iterable[str] = (),
        user: str = BOT,
        pull_request: bool = False,
        label_color: str = DEFAULT_LABEL_COLOR,
    ) -> int:
        """Create an issue (or a pull request, which shares the numbers) and return its
        number. Unknown labels are created, as both services do."""
        with self._mutation():
            target = self.repo(repo)
            if not title.strip():
                raise InvalidFieldError("Issue", "title", "missing_field", title)
            self.add_user(user)
            if milestone is not None:
                self._check_milestone(target, milestone)
            names = self._ensure_labels(target, labels, label_color)
            people = self._check_assignees(target, assignees)
            now = self.now()
            issue = Issue(
                id=self._new_id(),
                number=target.next_number,
                title=title,
                body=body if body else None,
                author=user,
                created_at=now,
                updated_at=now,
                labels=names,
                milestone=milestone,
                assignees=people,
                pull_request=pull_request,
            )
            target.next_number += 1
            target.issues[issue.number] = issue
            target.updated_at = now
            return issue.number

    def issue(self, repo: str, number: int) -> Issue:
        """The stored issue (live object: read it under `store.lock` when threads run)."""
        with self.lock:
            found = self.repo(repo).issues.get(number)
            if found is None:
                raise UnknownIssueError(repo, number)
            if found.deleted:
                raise UnknownIssueError(repo, number, deleted=True)
            return found

    def issues(self, repo: str, *, include_pull_requests: bool = True) -> list[Issue]:
        with self.lock:
            return [
                i
                for i in self.repo(repo).issues.values()
                if not i.deleted and (include_pull_requests or not i.pull_request)
            ]

    def update_issue(
        self,
        repo: str,
        number: int,
        *,
        user: str = BOT,
        title: str | _Unset = UNSET,
        body: str | _Unset | None = UNSET,
        labels: Iterable[str] | _Unset = UNSET,
        milestone: int | _Unset | None = UNSET,
        assignees: Iterable[str] | _Unset = UNSET,
        state: str | _Unset = UNSET,
        state_reason: str | _Unset | None = UNSET,
        label_color: str = DEFAULT_LABEL_COLOR,
    ) -> Issue:
        """Change the given fields. `updated_at` moves only when something really changed,
        as on the real services. GitLab's activity notes are added for each change."""
        with self._mutation():
            target = self.repo(repo)
            issue = self.issue(repo, number)
            # Validate everything first: a refused write changes nothing.
            if not isinstance(title, _Unset) and not title.strip():
                raise InvalidFieldError("Issue", "title", "missing_field", title)
            if not isinstance(milestone, _Unset) and milestone is not None:
                self._check_milestone(target, milestone)
            if not isinstance(assignees, _Unset):
                assignees = self._check_assignees(target, assignees)
            if not isinstance(state, _Unset) and state not in ("open", "closed"):
                raise InvalidFieldError("Issue", "state", "invalid", state)
            if isinstance(state_reason, str) and state_reason != "reopened":
                _check_reason(state_reason)
            self.add_user(user)
            notes: list[str] = []
            if not isinstance(title, _Unset) and title != issue.title:
                notes.append(f"changed title from **{issue.title}** to **{title}**")
                issue.title = title
            if not isinstance(body, _Unset):
                new_body = body if body else None
                if new_body != issue.body:
                    notes.append("changed the description")
                    issue.body = new_body
            if not isinstance(labels, _Unset):
                names = self._ensure_labels(target, labels, label_color)
                if names != issue.labels:
                    added = [n for n in names if n not in issue.labels]
                    removed = [n for n in issue.labels if n not in names]
                    notes.append(_label_note(added, removed))
                    issue.labels = names
            if not isinstance(milestone, _Unset) and milestone != issue.milestone:
                if milestone is None:
                    notes.append("removed milestone")
                else:
                    notes.append(f'changed milestone to %"{self.milestone(repo, milestone).title}"')
                issue.milestone = milestone
            if not isinstance(assignees, _Unset):
                people = self._check_assignees(target, assignees)
                if people != issue.assignees:
                    notes.append(
                        "assigned to " + ", ".join(f"@{p}" for p in people)
                        if people
                        else "removed all assignees"
                    )
                    issue.assignees = people
            if not isinstance(state, _Unset):
                notes.extend(self._set_state(issue, state, state_reason, user))
            elif not isinstance(state_reason, _Unset) and issue.state == "closed":
                reason = state_reason or "completed"
                if reason != issue.state_reason:
                    issue.state_reason = _check_reason(reason)
                    notes.append(f"closed as {reason.replace('_', ' ')}")
            if notes:
                self._touch(target, issue, notes, user)
            return issue

    def _set_state(
        self, issue: Issue, state: str, reason: str | _Unset | None, user: str
    ) -> list[str]:
        if state not in ("open", "closed"):
            raise InvalidFieldError("Issue", "state", "invalid", state)
        if state == "closed":
            wanted = "completed" if isinstance(reason, _Unset) or reason is None else reason
            wanted = _check_reason(wanted)
            if issue.state == "closed" and issue.state_reason == wanted:
                return []
            was_open = issue.state == "open"
            issue.state = "closed"
            issue.state_reason = wanted
            issue.closed_by = user
            issue.closed_at = self.now()
            return ["closed"] if was_open else [f"closed as {wanted.replace('_', ' ')}"]
        if issue.state == "open":
            return []
        issue.state = "open"
        issue.state_reason = "reopened"
        issue.closed_at = None
        issue.closed_by = None
        return ["reopened"]

    def _touch(self, repo: Repo, issue: Issue, notes: list[str], user: str) -> None:
        now = self.now()
        issue.updated_at = now
        repo.updated_at = now
        for text in notes:
            note = Comment(
                id=self._new_id(),
                issue_number=issue.number,
                author=user,
                body=text,
                created_at=now,
                updated_at=now,
                system=True,
            )
            repo.comments[note.id] = note

    def close_issue(
        self, repo: str, number: int, reason: str = "completed", *, user: str = BOT
    ) -> Issue:
        return self.update_issue(repo, number, user=user, state="closed", state_reason=reason)

    def reopen_issue(self, repo: str, number: int, *, user: str = BOT) -> Issue:
        return self.update_issue(repo, number, user=user, state="open")

    def set_issue_title(self, repo: str, number: int, title: str, *, user: str = BOT) -> Issue:
        return self.update_issue(repo, number, user=user, title=title)

    def set_issue_body(self, repo: str, number: int, body: str, *, user: str = BOT) -> Issue:
        return self.update_issue(repo, number, user=user, body=body)

    def delete_issue(self, repo: str, number: int) -> None:
        """Delete an issue as an admin would: GitHub then answers 410 Gone for it."""
        with self._mutation():
            self.issue(repo, number).deleted = True

    def move_issue(self, repo: str, number: int, to_repo: str, *, user: str = BOT) -> int:
        """Move an issue to another repository as GitLab does, returning its number there: the
        new issue gets the title, description, assignees, and the labels and milestone the
        target has by the same names; the one left behind is closed with `moved_to` set to
        the new issue's id. Each gets a note naming the other."""
        with self._mutation():
            source, target = self.repo(repo), self.repo(to_repo)
            issue = self.issue(repo, number)
            if target is source:
                raise InvalidFieldError("Issue", "to_project_id", "invalid", to_repo)
            if issue.moved_to is not None or issue.pull_request:
                raise InvalidFieldError("Issue", "iid", "invalid", str(number))
            title = None if issue.milestone is None else source.milestones[issue.milestone].title
            milestones = {m.title: m.number for m in target.milestones.values()}
            kept = [name.lower() for name in issue.labels if name.lower() in target.labels]
            people = [a for a in issue.assignees if target.permissions.get(a, "none") != "none"]
            moved = self.create_issue(
                to_repo,
                issue.title,
                issue.body,
                labels=[target.labels[name].name for name in kept],
                milestone=milestones.get(title) if title is not None else None,
                assignees=people,
                user=issue.author,
            )
            copy = target.issues[moved]
            self._touch(target, copy, [f"moved from {source.full_name}#{number}"], user)
            notes = self._set_state(issue, "closed", None, user)
            issue.moved_to = copy.id
            self._touch(source, issue, [*notes, f"moved to {target.full_name}#{moved}"], user)
            return moved

    def set_time_estimate(self, repo: str, number: int, seconds: int, *, user: str = BOT) -> Issue:
        if seconds < 0:
            raise InvalidFieldError("Issue", "time_estimate", "invalid", seconds)
        with self._mutation():
            target = self.repo(repo)
            issue = self.issue(repo, number)
            if issue.time_estimate != seconds:
                issue.time_estimate = seconds
                text = (
                    f"changed time estimate to {human_duration(seconds)}"
                    if seconds
                    else "removed time estimate"
                )
                self._touch(target, issue, [text], user)
            return issue

    def _check_milestone(self, repo: Repo, number: int) -> None:
        if number not in repo.milestones:
            raise InvalidFieldError("Issue", "milestone", "invalid", number)

    def _check_assignees(self, repo: Repo, assignees: Iterable[str]) -> list[str]:
        people: list[str] = []
        for person in assignees:
            if repo.permissions.get(person, "none") == "none":
                raise InvalidFieldError(
                    "Issue",
                    "assignees",
                    "invalid",
                    person,
                    detail=f"{person} cannot be assigned: they have no role on {repo.full_name}",
                )
            if person not in people:
                people.append(person)
        return people

    # labels ------------------------------------------------------------------------------

    def create_label(
        self,
        repo: str,
        name: str,
        color: str = DEFAULT_LABEL_COLOR,
        description: str | None = None,
    ) -> Label:
        with self._mutation():
            target = self.repo(repo)
            if not name.strip():
                raise InvalidFieldError("Label", "name", "missing_field", name)
            color = color.removeprefix("#")
            if not _COLOR.fullmatch(color):
                raise InvalidFieldError("Label", "color", "invalid", color)
            if name.lower() in target.labels:
                raise InvalidFieldError("Label", "name", "already_exists", name)
            label = Label(
                id=self._new_id(),
                name=name,
                color=color,
                description=description,
                created_at=self.now(),
            )
            target.labels[name.lower()] = label
            return label

    def update_label(
        self,
        repo: str,
        name: str,
        *,
        new_name: str | _Unset = UNSET,
        color: str | _Unset = UNSET,
        description: str | _Unset | None = UNSET,
    ) -> Label:
        """Rename or recolour a label; issues carrying it follow the rename."""
        with self._mutation():
            target = self.repo(repo)
            label = self.label(repo, name)
            if not isinstance(color, _Unset):
                fresh = color.removeprefix("#")
                if not _COLOR.fullmatch(fresh):
                    raise InvalidFieldError("Label", "color", "invalid", color)
            if not isinstance(new_name, _Unset) and new_name != label.name:
                if not new_name.strip():
                    raise InvalidFieldError("Label", "name", "missing_field", new_name)
                clash = target.labels.get(new_name.lower())
                if clash is not None and clash is not label:
                    raise InvalidFieldError("Label", "name", "already_exists", new_name)
                old = label.name
                del target.labels[old.lower()]
                label.name = new_name
                target.labels[new_name.lower()] = label
                for issue in target.issues.values():
                    issue.labels = [new_name if n == old else n for n in issue.labels]
            if not isinstance(color, _Unset):
                label.color = color.removeprefix("#")
            if not isinstance(description, _Unset):
                label.description = description
            return label

    def label(self, repo: str, name: str) -> Label:
        with self.lock:
            found = self.repo(repo).labels.get(name.lower())
            if found is None:
                raise UnknownLabelError(repo, name)
            return found

    def labels(self, repo: str) -> list[Label]:
        with self.lock:
            return sorted(self.repo(repo).labels.values(), key=lambda x: x.name.lower())

    def _ensure_labels(self, repo: Repo, names: Iterable[str], color: str) -> list[str]:
        result: list[str] = []
        for raw in names:
            name = raw.strip()
            if not name:
                continue
            label = repo.labels.get(name.lower())
            if label is None:
                label = Label(
                    id=self._new_id(),
                    name=name,
                    color=color,
                    description=None,
                    created_at=self.now(),
                )
                repo.labels[name.lower()] = label
            if label.name not in result:
                result.append(label.name)
        return result

    # milestones --------------------------------------------------------------------------

    def create_milestone(
        self,
        repo: str,
        title: str,
        description: str | None = None,
        due_on: date | None = None,
        *,
        state: str = "open",
        user: str = BOT,
    ) -> int:
        """Create a milestone and return its number (GitLab: iid)."""
        with self._mutation():
            target = self.repo(repo)
            if not title.strip():
                raise InvalidFieldError("Milestone", "title", "missing_field", title)
            if any(m.title == title for m in target.milestones.values()):
                raise InvalidFieldError("Milestone", "title", "already_exists", title)
            if state not in ("open", "closed"):
                raise InvalidFieldError("Milestone", "state", "invalid", state)
            self.add_user(user)
            now = self.now()
            milestone = Milestone(
                id=self._new_id(),
                number=target.next_milestone_number,
                title=title,
                description=description or None,
                state=state,
                creator=user,
                created_at=now,
                updated_at=now,
                due_on=due_on,
                closed_at=now if state == "closed" else None,
            )
            target.next_milestone_number += 1
            target.milestones[milestone.number] = milestone
            return milestone.number

    def milestone(self, repo: str, number: int) -> Milestone:
        with self.lock:
            found = self.repo(repo).milestones.get(number)
            if found is None:
                raise UnknownMilestoneError(repo, number)
            return found

    def milestone_by_id(self, repo: str, milestone_id: int) -> Milestone:
        with self.lock:
            for milestone in self.repo(repo).milestones.values():
                if milestone.id == milestone_id:
                    return milestone
            raise UnknownMilestoneError(repo, milestone_id)

    def milestones(self, repo: str) -> list[Milestone]:
        with self.lock:
            return list(self.repo(repo).milestones.values())

    def update_milestone(
        self,
        repo: str,
        number: int,
        *,
        title: str | _Unset = UNSET,
        description: str | _Unset | None = UNSET,
        due_on: date | _Unset | None = UNSET,
        state: str | _Unset = UNSET,
    ) -> Milestone:
        with self._mutation():
            target = self.repo(repo)
            milestone = self.milestone(repo, number)
            changed = False
            if not isinstance(title, _Unset) and title != milestone.title:
                if not title.strip():
                    raise InvalidFieldError("Milestone", "title", "missing_field", title)
                if any(m.title == title for m in target.milestones.values()):
                    raise InvalidFieldError("Milestone", "title", "already_exists", title)
                milestone.title = title
                changed = True
            if not isinstance(description, _Unset) and (description or None) != (
                milestone.description
            ):
                milestone.description = description or None
                changed = True
            if not isinstance(due_on, _Unset) and due_on != milestone.due_on:
                milestone.due_on = due_on
                changed = True
            if not isinstance(state, _Unset) and state != milestone.state:
                if state not in ("open", "closed"):
                    raise InvalidFieldError("Milestone", "state", "invalid", state)
                milestone.state = state
                milestone.closed_at = self.now() if state == "closed" else None
                changed = True
            if changed:
                milestone.updated_at = self.now()
            return milestone

    def milestone_counts(self, repo: str, number: int) -> tuple[int, int]:
        """(open, closed) issues in the milestone, pull requests included as on GitHub."""
        with self.lock:
            items = [
                i
                for i in self.repo(repo).issues.values()
                if i.milestone == number and not i.deleted
            ]
            return (
                sum(1 for i in items if i.state == "open"),
                sum(1 for i in items if i.state == "closed"),
            )

    # comments ----------------------------------------------------------------------------

    def add_comment(self, repo: str, number: int, body: str, *, user: str = BOT) -> int:
        """Comment on an issue as `user`; return the comment's id."""
        with self._mutation():
            target = self.repo(repo)
            issue = self.issue(repo, number)
            if not body.strip():
                raise InvalidFieldError("IssueComment", "body", "missing_field", body)
            self.add_user(user)
            now = self.now()
            comment = Comment(
                id=self._new_id(),
                issue_number=number,
                author=user,
                body=body,
                created_at=now,
                updated_at=now,
            )
            target.comments[comment.id] = comment
            self._touch_for_comment(target, issue, now)
            return comment.id

    def edit_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        """Change a comment's text, as its author would; the same text changes nothing."""
        with self._mutation():
            target = self.repo(repo)
            comment = self.comment(repo, comment_id)
            if comment.system:
                raise InvalidFieldError(
                    "IssueComment",
                    "body",
                    "invalid",
                    comment_id,
                    detail=f"Comment {comment_id} is an activity note, which nobody can edit",
                )
            if not body.strip():
                raise InvalidFieldError("IssueComment", "body", "missing_field", body)
            if body != comment.body:
                now = self.now()
                comment.body = body
                comment.updated_at = now
                self._touch_for_comment(target, target.issues[comment.issue_number], now)
            return comment

    def _touch_for_comment(self, repo: Repo, issue: Issue, now: datetime) -> None:
        """A comment added or edited moves its issue's updated_at, unless GitLab's throttle
        (ThrottledTouch: touch only when updated_at is older than TOUCH_INTERVAL) holds it."""
        if not self.throttle_note_touch or issue.updated_at < now - TOUCH_INTERVAL:
            issue.updated_at = now
        repo.updated_at = now

    def comment(self, repo: str, comment_id: int) -> Comment:
        with self.lock:
            target = self.repo(repo)
            found = target.comments.get(comment_id)
            if found is None or found.issue_number not in target.issues:
                raise UnknownCommentError(repo, comment_id)
            if target.issues[found.issue_number].deleted:
                raise UnknownCommentError(repo, comment_id)
            return found

    def comments(
        self, repo: str, number: int | None = None, *, include_system: bool = False
    ) -> list[Comment]:
        """Comments in creation order, of one issue or of the whole repository."""
        with self.lock:
            target = self.repo(repo)
            return [
                c
                for c in target.comments.values()
                if (number is None or c.issue_number == number)
                and (include_system or not c.system)
                and not target.issues[c.issue_number].deleted
            ]

    def add_reaction(
        self, repo: str, comment_id: int, content: str, *, user: str = BOT
    ) -> tuple[Reaction, bool]:
        """React to a comment; returns the reaction and whether it is new (the same user's
        same reaction is not added twice)."""
        with self._mutation():
            comment = self.comment(repo, comment_id)
            self.add_user(user)
            for existing in comment.reactions:
                if existing.user == user and existing.content == content:
                    return existing, False
            reaction = Reaction(
                id=self._new_id(), content=content, user=user, created_at=self.now()
            )
            comment.reactions.append(reaction)
            return reaction, True

    # files -------------------------------------------------------------------------------

    def put_file(self, repo: str, path: str, content: bytes, *, user: str = BOT) -> StoredFile:
        """Write a file on the default branch unconditionally, as a person pushing would."""
        return self.write_file(repo, path, content, user=user)

    def file(self, repo: str, path: str) -> StoredFile:
        with self.lock:
            found = self.repo(repo).files.get(path.strip("/"))
            if found is None:
                raise UnknownFileError(repo, path)
            return found

    def write_file(
        self,
        repo: str,
        path: str,
        content: bytes,
        *,
        user: str = BOT,
        message: str = "",
        must_exist: bool | None = None,
        sha: str | None = None,
        last_commit_id: str | None = None,
    ) -> StoredFile:
        """Create or update a file. `must_exist` True/False demands an update / a creation;
        `sha` (GitHub's blob id) or `last_commit_id` (GitLab's) must name the current version
        when given, else StaleFileVersionError."""
        clean = path.strip("/")
        if not clean:
            raise InvalidFieldError("Content", "path", "missing_field", path)
        with self._mutation():
            target = self.repo(repo)
            current = target.files.get(clean)
            if must_exist is True and current is None:
                raise UnknownFileError(repo, clean)
            if must_exist is False and current is not None:
                raise FileAlreadyExistsError(repo, clean)
            if sha is not None and (current is None or current.sha != sha):
                raise StaleFileVersionError(repo, clean, sha, current.sha if current else None)
            if (
                last_commit_id is not None
                and current is not None
                and (current.commit != last_commit_id)
            ):
                raise StaleFileVersionError(repo, clean, last_commit_id, current.commit)
            self.add_user(user)
            self._commit(target, target.default_branch, {clean: content}, message, user)
            return target.files[clean]

    # git ---------------------------------------------------------------------------------

    def protect_branch(self, repo: str, branch: str, protected: bool = True) -> None:
        """Refuse (or again accept) pushes through the API to `branch`; people pushing with
        `put_file` are let through, as an admin would be."""
        with self._mutation():
            git = self.repo(repo).git
            if protected:
                git.protected.add(branch)
            else:
                git.protected.discard(branch)

    def commit_files(
        self,
        repo: str,
        branch: str,
        changes: Mapping[str, bytes | None],
        message: str,
        *,
        user: str = BOT,
        start_from: str | None = None,
        last_commit_ids: Mapping[str, str] | None = None,
    ) -> GitCommit:
        """One commit on `branch` (created from `start_from` when missing) changing the files
        given (None deletes one); `last_commit_ids` must name each file's last commit."""
        with self._mutation():
            target = self.repo(repo)
            git = target.git
            if branch in git.protected:
                raise ProtectedBranchError(repo, branch)
            if branch not in git.refs:
                start = git.resolve(start_from) if start_from else None
                if start_from and start is None:
                    raise UnknownRefError(repo, start_from)
                if start is not None:
                    git.refs[branch] = start.sha
            for path, expected in (last_commit_ids or {}).items():
                current = last_commit(git, branch, path)
                if current is not None and current != expected:
                    raise StaleFileVersionError(repo, path, expected, current)
            self.add_user(user)
            return self._commit(target, branch, changes, message, user)

    def move_branch(self, repo: str, branch: str, sha: str, *, force: bool = False) -> None:
        """Point `branch` at commit `sha` (creating the branch when it does not exist)."""
        with self._mutation():
            target = self.repo(repo)
            git = target.git
            if sha not in git.commits:
                raise UnknownRefError(repo, sha)
            if branch in git.protected:
                raise ProtectedBranchError(repo, branch)
            try:
                git.move(branch, sha, force=force)
            except NotFastForwardError:
                raise RefNotFastForwardError(repo, branch) from None
            if branch == target.default_branch:
                self._mirror_default(target)

    def open_pull(
        self, repo: str, head: str, base: str, title: str, body: str, *, user: str = BOT
    ) -> PullRecord:
        """Open a pull / merge request from branch `head` into `base`."""
        with self._mutation():
            number = self.create_issue(repo, title, body, user=user, pull_request=True)
            pull = PullRecord(number, head, base, user, self.now())
            self.repo(repo).pulls[number] = pull
            return pull

    def _commit(
        self,
        target: Repo,
        branch: str,
        changes: Mapping[str, bytes | None],
        message: str,
        user: str,
    ) -> GitCommit:
        git = target.git
        head = git.refs.get(branch)
        entries = dict(git.files_at(head) or {}) if head else {}
        for path, content in changes.items():
            if content is None:
                entries.pop(path, None)
            else:
                entries[path] = git.add_blob(content)
        target.commits += 1
        commit = git.add_commit(
            git.add_tree(entries), (head,) if head else (), message, user, self.now()
        )
        git.refs[branch] = commit.sha
        if branch == target.default_branch:
            self._mirror_default(target)
        return commit

    def _mirror_default(self, target: Repo) -> None:
        """`files` holds the default branch's files; a file changed by the branch's last move
        gets the new head as its last commit."""
        git = target.git
        head = git.refs[target.default_branch]
        entries = git.files_at(head) or {}
        now = self.now()
        for path in [p for p in target.files if p not in entries]:
            del target.files[path]
        for path, blob in entries.items():
            current = target.files.get(path)
            if current is None or current.sha != blob:
                target.files[path] = StoredFile(path, git.blobs[blob], head, now)
        target.updated_at = now


def _check_reason(reason: str) -> str:
    if reason not in ("completed", "not_planned"):
        raise InvalidFieldError("Issue", "state_reason", "invalid", reason)
    return reason


def _label_note(added: list[str], removed: list[str]) -> str:
    parts = []
    if added:
        parts.append("added " + " ".join(f'~"{n}"' for n in added))
    if removed:
        parts.append("removed " + " ".join(f'~"{n}"' for n in removed))
    word = "labels" if len(added) + len(removed) > 1 else "label"
    return " and ".join(parts) + f" {word}"

"""The GitLab adapter: one project, spoken to through python-gitlab, behind the Tracker Protocol.

Issues, milestones, labels and people live here; notes in gitlab_notes, repository files in
gitlab_files; every request goes through gitlab_project.ProjectCalls.

Where GitLab differs from GitHub:
- issue numbers are iids; milestones are numbered by their iid and addressed by their id;
- a closed issue has no close reason, so COMPLETED and NOT_PLANNED both close it and read back
  with `state_reason` None;
- reads are not conditional (no ETag on these lists): an unchanged stream costs one request;
- there is no project-wide list of notes: comments are read from the issues that changed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import Any

from gitlab.exceptions import GitlabError

from plansync.clock import Clock
from plansync.errors import ValidationFailedError
from plansync.model.remote import (
    CloseReason,
    Cursor,
    IssueDraft,
    IssuePatch,
    IssueState,
    MilestoneDraft,
    MilestonePatch,
    Observed,
    Permission,
    RemoteComment,
    RemoteIssue,
    RemoteMilestone,
    RepoFile,
)
from plansync.trackers.access import AccessReport
from plansync.trackers.base import Capabilities, RequestStats
from plansync.trackers.gitlab.commits import RepositoryCommits
from plansync.trackers.gitlab.convert import (
    duration_text,
    permission_for_level,
    to_issue,
    to_milestone,
)
from plansync.trackers.gitlab.cursor import fresh_since
from plansync.trackers.gitlab.errors import is_label_taken
from plansync.trackers.gitlab.files import RepositoryFiles
from plansync.trackers.gitlab.notes import IssueNotes
from plansync.trackers.gitlab.project import PER_PAGE, ProjectCalls
from plansync.trackers.pacing import PacingLimits
from plansync.trackers.repository import RepositoryDelegate
from plansync.trackers.timeouts import DEFAULT_TIMEOUTS, Timeouts

# GitLab asks for no spacing between writes; the notes queue carries its real limit.
GITLAB_WRITES = PacingLimits(min_interval=0.0, per_minute=None, per_hour=None)
# Labels plansync creates get GitLab's default label blue.
LABEL_COLOR = "#1068bf"


class GitLabTracker(RepositoryDelegate):
    """One GitLab project ("group/sub/project") on gitlab.com or a self-managed instance."""

    kind = "gitlab"
    capabilities = Capabilities(close_reason=False, conditional_reads=False)

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        url: str = "https://gitlab.com",
        pacing: PacingLimits = GITLAB_WRITES,
        notes_pacing: PacingLimits = PacingLimits.GITLAB_NOTES,
        max_wait: float = 60.0,
        clock: Clock | None = None,
        timeout: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        self._calls = ProjectCalls(
            repo,
            token,
            url=url,
            pacing=pacing,
            notes_pacing=notes_pacing,
            max_wait=max_wait,
            clock=clock,
            timeout=timeout,
        )
        self.repo = self._calls.repo
        self.url = self._calls.url
        self.stats: RequestStats = self._calls.stats
        self._project = self._calls.project
        self._notes = IssueNotes(self._calls)
        self._files = RepositoryFiles(self._calls)
        self._repository = RepositoryCommits(self._calls)
        self._milestone_ids: dict[int, int] = {}
        self._user_ids: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"GitLabTracker(repo={self.repo!r}, url={self.url!r})"

    def close(self) -> None:
        """Release the HTTP connections (a daemon builds trackers again on each run)."""
        self._calls.gl.session.close()

    # issues -------------------------------------------------------------------------------

    def observe_issues(self, cursor: Cursor | None = None) -> Observed[RemoteIssue]:
        issues = [to_issue(data) for data in self._calls.changed_issue_dicts(cursor)]
        fresh, after = fresh_since(cursor, issues)
        # Without a cursor the read listed every issue of the project.
        whole = cursor is None or cursor.since is None
        listed = frozenset(issue.number for issue in issues) if whole else None
        return Observed(items=fresh, cursor=after, all_numbers=listed)

    def get_issue(self, number: int) -> RemoteIssue | None:
        data = self._calls.request_or_none(
            f"read issue #{number}", lambda: self._project.issues.get(number).asdict()
        )
        return to_issue(data) if data is not None else None

    def create_issue(self, draft: IssueDraft, marker: str | None = None) -> RemoteIssue:
        if marker is not None and marker not in draft.body:
            raise ValueError(
                f"the marker {marker!r} is not in the body of the issue {draft.title!r}, so a "
                "create that failed unclearly could not be found again"
            )
        fields: dict[str, Any] = {"title": draft.title, "description": draft.body}
        if draft.estimate_minutes and draft.estimate_minutes > 0:
            # The create request has no estimate field; GitLab runs the quick actions of a new
            # issue's description and takes their lines out of it.
            estimate = duration_text(draft.estimate_minutes)
            fields["description"] = f"{draft.body.rstrip()}\n\n/estimate {estimate}\n"
        if draft.labels:
            fields["labels"] = ",".join(draft.labels)
        if draft.milestone_number is not None:
            fields["milestone_id"] = self._milestone_id(draft.milestone_number)
        # GitLab quietly leaves out assignees who cannot be assigned (not members of a private
        # project); a username it does not know is left out here the same way, so the issue
        # is made either way and the caller sees who is missing from its assignees.
        found = [self._find_user_id(name) for name in draft.assignees]
        if any(user_id is not None for user_id in found):
            fields["assignee_ids"] = [user_id for user_id in found if user_id is not None]

        return self._calls.write_once(
            f"create issue {draft.title!r}",
            lambda: self._project.issues.create(fields).asdict(),
            functools.partial(self.find_issue_by_marker, marker) if marker is not None else None,
            to_issue,
        )

    def update_issue(self, number: int, patch: IssuePatch) -> RemoteIssue:
        fields: dict[str, Any] = {}
        if patch.title is not None:
            fields["title"] = patch.title
        if patch.body is not None:
            fields["description"] = patch.body
        if patch.labels is not None:
            fields["labels"] = ",".join(patch.labels)
        if patch.clear_milestone:
            fields["milestone_id"] = 0  # GitLab: 0 unassigns the milestone
        elif patch.milestone_number is not None:
            fields["milestone_id"] = self._milestone_id(patch.milestone_number)
        if patch.assignees is not None:
            fields["assignee_ids"] = [self._user_id(name) for name in patch.assignees]
        return self._update_issue(number, fields, f"update issue #{number}")

    def _update_issue(self, number: int, fields: dict[str, Any], action: str) -> RemoteIssue:
        issues = self._project.issues
        if fields:
            data = self._calls.request(action, lambda: issues.update(number, fields), write=True)
        else:
            data = self._calls.request(action, lambda: issues.get(number).asdict())
        return to_issue(data)

    def close_issue(self, number: int, reason: CloseReason = CloseReason.COMPLETED) -> RemoteIssue:
        # GitLab keeps no close reason: "completed" and "not planned" close alike.
        return self._update_issue(number, {"state_event": "close"}, f"close issue #{number}")

    def reopen_issue(self, number: int) -> RemoteIssue:
        return self._update_issue(number, {"state_event": "reopen"}, f"reopen issue #{number}")

    def find_issue_by_marker(self, marker: str) -> RemoteIssue | None:
        def search() -> dict[str, Any] | None:
            # GitLab's issue search reads the database, so a just-created issue is found.
            listing = self._project.issues.list(
                iterator=True,
                per_page=PER_PAGE,
                search=marker,
                order_by="created_at",
                sort="desc",
                **{"in": "description"},
            )
            for issue in listing:
                data = issue.asdict()
                if marker in (data.get("description") or ""):
                    return data
            return None

        data = self._calls.request("search the issues for a plansync marker", search)
        return to_issue(data) if data is not None else None

    def set_estimate(self, number: int, minutes: int | None) -> None:
        if minutes is not None and minutes < 0:
            raise ValueError(
                f"The estimate for issue #{number} in {self._calls.what} is {minutes} minutes; "
                "an estimate is 0 or more (0 or None clears it)."
            )
        issue = self._project.issues.get(number, lazy=True)
        if not minutes:  # None or 0: GitLab keeps no zero estimate apart from none
            self._calls.request(
                f"clear the time estimate of issue #{number}",
                issue.reset_time_estimate,
                write=True,
            )
            return
        duration = duration_text(minutes)
        self._calls.request(
            f"set the time estimate of issue #{number} to {duration}",
            lambda: issue.time_estimate(duration),
            write=True,
        )

    # milestones ---------------------------------------------------------------------------

    def _remember(self, milestones: Iterable[RemoteMilestone]) -> list[RemoteMilestone]:
        listed = list(milestones)
        self._milestone_ids.update((m.number, m.id) for m in listed)
        return listed

    def _milestones(self, action: str, **filters: Any) -> list[RemoteMilestone]:
        def read() -> list[dict[str, Any]]:
            listing = self._project.milestones.list(iterator=True, per_page=PER_PAGE, **filters)
            return [milestone.asdict() for milestone in listing]

        return self._remember(to_milestone(data) for data in self._calls.request(action, read))

    def list_milestones(self) -> list[RemoteMilestone]:
        # Without a `state` filter GitLab lists active and closed milestones alike.
        return self._milestones("list milestones")

    def observe_milestones(self, cursor: Cursor | None = None) -> Observed[RemoteMilestone]:
        # The full list every time: GitLab answers no 304s, and its `updated_after` filter
        # (GitLab 15.10 and later) would not show a milestone deleted since.
        return Observed(items=tuple(self.list_milestones()), cursor=Cursor())

    def _milestone_id(self, number: int) -> int:
        if number not in self._milestone_ids:
            self._milestones(f"read milestone number {number}", iids=[number])
        if number not in self._milestone_ids:
            raise ValidationFailedError(
                f"GitLab project {self.repo} has no milestone number {number}; it may have "
                "been deleted, so run again to let plansync recreate it from the planfile."
            )
        return self._milestone_ids[number]

    def create_milestone(self, draft: MilestoneDraft) -> RemoteMilestone:
        fields: dict[str, Any] = {"title": draft.title, "description": draft.description}
        if draft.due_on is not None:
            fields["due_date"] = draft.due_on.isoformat()

        def find() -> RemoteMilestone | None:
            # Titles are unique in a project, and GitLab's `title` filter is an exact match.
            listed = self._milestones("look for a milestone by title", title=draft.title)
            return next((m for m in listed if m.title == draft.title), None)

        created = self._calls.write_once(
            f"create the milestone {draft.title!r}",
            lambda: self._project.milestones.create(fields).asdict(),
            find,
            to_milestone,
        )
        return self._remember([created])[0]

    def update_milestone(self, number: int, patch: MilestonePatch) -> RemoteMilestone:
        fields: dict[str, Any] = {}
        if patch.title is not None:
            fields["title"] = patch.title
        if patch.description is not None:
            fields["description"] = patch.description
        if patch.due_on is not None:
            fields["due_date"] = patch.due_on.isoformat()
        if patch.state is not None:
            fields["state_event"] = "close" if patch.state is IssueState.CLOSED else "activate"
        milestone_id = self._milestone_id(number)
        milestones = self._project.milestones
        action = f"update milestone number {number}"
        if fields:
            data = self._calls.request(
                action, lambda: milestones.update(milestone_id, fields), write=True
            )
        else:
            data = self._calls.request(action, lambda: milestones.get(milestone_id).asdict())
        return self._remember([to_milestone(data)])[0]

    # labels -------------------------------------------------------------------------------

    def ensure_labels(self, names: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return
        labels = self._project.labels

        def existing() -> set[str]:
            listing = labels.list(iterator=True, per_page=PER_PAGE)
            return {str(label.asdict()["name"]) for label in listing}

        def create(name: str) -> None:
            try:
                labels.create({"name": name, "color": LABEL_COLOR})
            except GitlabError as exc:
                # Created meanwhile, or by an attempt whose answer was lost: done either way.
                if not is_label_taken(exc):
                    raise

        present = self._calls.request("list labels", existing)
        for name in wanted:
            if name not in present:
                self._calls.request(
                    f"create the label {name!r}", functools.partial(create, name), write=True
                )

    # comments -----------------------------------------------------------------------------

    def observe_comments(self, cursor: Cursor | None = None) -> Observed[RemoteComment]:
        return self._notes.observe(cursor)

    def post_comment(self, issue_number: int, body: str) -> RemoteComment:
        return self._notes.post(issue_number, body)

    def add_reaction(self, comment: RemoteComment, reaction: str) -> None:
        self._notes.react(comment, reaction)

    # people -------------------------------------------------------------------------------

    def _find_user_id(self, username: str) -> int | None:
        if username in self._user_ids:
            return self._user_ids[username]

        def lookup() -> int | None:
            listing = self._calls.gl.users.list(iterator=True, per_page=PER_PAGE, username=username)
            for user in listing:
                data = user.asdict()
                if str(data.get("username", "")).lower() == username.lower():
                    return int(data["id"])
            return None

        found = self._calls.request(f"look up the GitLab user {username!r}", lookup)
        if found is not None:
            self._user_ids[username] = found
        return found

    def _user_id(self, username: str) -> int:
        found = self._find_user_id(username)
        if found is None:
            raise ValidationFailedError(
                f"GitLab has no user {username!r} to assign in {self.repo}; correct the "
                "assignee in the planfile."
            )
        return found

    def permission(self, username: str) -> Permission:
        user_id = self._find_user_id(username)
        if user_id is None:
            return Permission.NONE
        members = self._project.members_all  # includes members inherited from groups

        def level() -> object:
            return members.get(user_id).asdict().get("access_level")

        found = self._calls.request_or_none(f"read the access level of {username!r}", level)
        return permission_for_level(found) if isinstance(found, int) else Permission.NONE

    # repository files ---------------------------------------------------------------------

    def read_file(self, path: str, ref: str | None = None) -> RepoFile | None:
        return self._files.read(path, ref)

    def write_file(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        return self._files.write(path, content, message, version)

    # access (see trackers.access) -----------------------------------------------------------

    def token_expiry(self) -> date | None:
        """The expiry date of the token (a personal, project or group access token)."""
        gl = self._calls.gl
        data = self._calls.request_or_none(
            "read the token's expiry", lambda: gl.http_get("/personal_access_tokens/self")
        )
        expires = data.get("expires_at") if isinstance(data, dict) else None
        return date.fromisoformat(str(expires)[:10]) if expires else None

    def access(self) -> AccessReport:
        gl = self._calls.gl

        def whoami() -> tuple[str, int | None]:
            response = gl.http_request("GET", "/user")
            left = response.headers.get("RateLimit-Remaining")
            return str(response.json().get("username")), int(left) if left else None

        actor, left = self._calls.request("read the token's user", whoami)
        project = self._calls.request(
            "read the project", lambda: gl.projects.get(self._calls.repo).asdict()
        )
        rights = project.get("permissions") or {}
        levels = [
            int(v["access_level"])
            for v in (rights.get("project_access"), rights.get("group_access"))
            if isinstance(v, dict) and isinstance(v.get("access_level"), int)
        ]
        level = max(levels, default=0)
        needs = ("issues: Reporter or more", "push and merge requests: Developer or more")
        held = tuple(n for n, floor in zip(needs, (20, 30), strict=True) if level >= floor)
        lacking = tuple(n for n in needs if n not in held)
        return AccessReport(actor, held, lacking, left, self.token_expiry())

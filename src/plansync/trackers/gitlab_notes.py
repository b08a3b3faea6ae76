"""Comments on GitLab issues (notes): observed through the issues that changed, posted, reacted to.

GitLab has no project-wide list of notes. Adding or editing a note updates its issue, so the
comment stream follows the issue stream: its cursor's `since` is the newest issue update seen,
and of each issue changed since then, the notes updated after the previous cursor are new.
"""

from __future__ import annotations

from typing import Any

from gitlab.exceptions import GitlabError

from plansync.trackers.base import Cursor, Observed, RemoteComment
from plansync.trackers.gitlab_convert import emoji_name, to_comment, to_issue
from plansync.trackers.gitlab_cursor import cursor_instant, fresh_since
from plansync.trackers.gitlab_errors import is_award_taken
from plansync.trackers.gitlab_project import PER_PAGE, ProjectCalls


class IssueNotes:
    def __init__(self, calls: ProjectCalls) -> None:
        self._calls = calls

    def observe(self, cursor: Cursor | None) -> Observed[RemoteComment]:
        """Notes created or edited since the cursor. System notes ("changed the milestone")
        are not comments; an issue without user notes costs no request."""
        issues = self._calls.changed_issue_dicts(cursor)
        note_counts = {int(data["id"]): data.get("user_notes_count") for data in issues}
        changed, moved = fresh_since(cursor, [to_issue(data) for data in issues])
        after = cursor_instant(cursor)
        comments: list[RemoteComment] = []
        for issue in changed:
            if note_counts.get(issue.id) == 0:
                continue
            for data in self._note_dicts(issue.number):
                if data.get("system"):
                    continue
                comment = to_comment(data, issue_number=issue.number, issue_url=issue.url)
                if after is None or comment.updated_at > after:
                    comments.append(comment)
        comments.sort(key=lambda c: (c.updated_at, c.id))
        return Observed(items=tuple(comments), cursor=moved)

    def _note_dicts(self, number: int) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            issue = self._calls.project.issues.get(number, lazy=True)
            listing = issue.notes.list(
                iterator=True, per_page=PER_PAGE, order_by="updated_at", sort="asc"
            )
            return [note.asdict() for note in listing]

        return self._calls.request(f"list the notes of issue #{number}", read)

    def post(self, issue_number: int, body: str) -> RemoteComment:
        """Add a note. It carries no marker to look for, so an unclear failure is reported
        (UnclearWriteError), not tried again."""

        def create() -> dict[str, Any]:
            issue = self._calls.project.issues.get(issue_number, lazy=True)
            return issue.notes.create({"body": body}).asdict()

        data = self._calls.request(
            f"comment on issue #{issue_number}", create, note=True, idempotent=False
        )
        return to_comment(
            data, issue_number=issue_number, issue_url=self._calls.issue_url(issue_number)
        )

    def react(self, comment: RemoteComment, reaction: str) -> None:
        """Award an emoji to the note; awarding one it already has is done, not an error."""
        name = emoji_name(reaction)

        def award() -> None:
            issue = self._calls.project.issues.get(comment.issue_number, lazy=True)
            note = issue.notes.get(comment.id, lazy=True)
            try:
                note.awardemojis.create({"name": name})
            except GitlabError as exc:
                # Awarded before, perhaps by an attempt whose answer was lost.
                if not is_award_taken(exc):
                    raise

        self._calls.request(
            f"react with :{name}: to note {comment.id} of issue #{comment.issue_number}",
            award,
            write=True,
        )

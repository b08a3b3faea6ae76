"""Comments on GitLab issues (notes): observed through the issues around them, posted, reacted to.

GitLab has no project-wide list of notes, so notes are read issue by issue. A new or edited
note does not always move its issue: GitLab's Issue includes ThrottledTouch, which leaves
updated_at alone when it is less than a minute old (TOUCH_INTERVAL). So the comment stream
keeps its own watermark (the newest note's updated_at, and the ids of the notes at exactly that
instant), and reads the notes of every issue updated from a minute before it: a note made after
the watermark either moved its issue past the watermark or found it updated less than a minute
before the note, hence less than a minute before the watermark. The price: the notes of the
issues updated in the minute before the watermark are read again on the next observe.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gitlab.exceptions import GitlabError

from plansync.model.remote import Cursor, Observed, RemoteComment
from plansync.trackers.gitlab.convert import emoji_name, to_comment, to_issue
from plansync.trackers.gitlab.cursor import cursor_instant, fresh_since
from plansync.trackers.gitlab.errors import is_award_taken
from plansync.trackers.gitlab.project import PER_PAGE, ProjectCalls

# GitLab's ThrottledTouch interval (one minute), and a second more for timestamps that GitLab
# and its database round differently.
TOUCH_WINDOW = timedelta(seconds=61)


class IssueNotes:
    def __init__(self, calls: ProjectCalls) -> None:
        self._calls = calls

    def observe(self, cursor: Cursor | None) -> Observed[RemoteComment]:
        """Notes created or edited since the cursor, oldest change first. System notes
        ("changed the milestone") are not comments; an issue without user notes costs no
        request."""
        after = cursor_instant(cursor)
        listed = self._calls.changed_issue_dicts(_issue_window(after))
        issues = [(to_issue(data), data.get("user_notes_count")) for data in listed]
        comments: list[RemoteComment] = []
        for issue, user_notes in issues:
            if user_notes == 0:
                continue
            for note in self._note_dicts(issue.number):
                if not note.get("system"):
                    comments.append(
                        to_comment(note, issue_number=issue.number, issue_url=issue.url)
                    )
        # The notes stamped up to the newest issue update listed were all read too, so the
        # watermark may stand there when no newer note came: a project whose issues change
        # without comments is then not read from its beginning each time.
        newest_issue = max((issue.updated_at for issue, _ in issues), default=None)
        fresh, moved = fresh_since(cursor, comments, reached=newest_issue)
        ordered = tuple(sorted(fresh, key=lambda c: (c.updated_at, c.id)))
        return Observed(items=ordered, cursor=moved)

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


def _issue_window(after: datetime | None) -> Cursor | None:
    """The issue filter that finds every note made after `after` (all issues on a first read)."""
    if after is None:
        return None
    return Cursor(since=(after - TOUCH_WINDOW).isoformat())

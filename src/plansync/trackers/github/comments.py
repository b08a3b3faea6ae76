"""Issue comments of one GitHub repository: read incrementally, posted without duplicates,
reacted to."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from github.IssueComment import IssueComment
from github.Repository import Repository

from plansync.model.remote import Cursor, Observed, RemoteComment
from plansync.trackers.github.convert import comment_from_github
from plansync.trackers.github.http import PER_PAGE
from plansync.trackers.github.observe import Item, Probe, read_incrementally
from plansync.trackers.github.requests import CLOCK_SKEW, RepoRequests

REACTIONS = frozenset({"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"})


class RepoComments:
    def __init__(self, requests: RepoRequests, repository: Repository) -> None:
        self._requests = requests
        self._repository = repository

    def _comment(self, item: Item) -> RemoteComment:
        requester = self._requests.requester
        return comment_from_github(IssueComment(requester, {}, dict(item), completed=True))

    def observe(self, cursor: Cursor | None) -> Observed[RemoteComment]:
        """Comments created or edited since the cursor, across the repository (pull request
        conversations included: GitHub lists them with the issues' comments)."""

        path = f"{self._requests.path}/issues/comments"

        def probe(etag: str | None) -> Probe:
            newest_first = {"sort": "updated", "direction": "desc", "per_page": PER_PAGE}
            return self._requests.probe(path, newest_first, etag, "read comments")

        def read_since(since: str | None) -> list[Item]:
            parameters: dict[str, Any] = {
                "sort": "updated",
                "direction": "asc",
                "per_page": PER_PAGE,
            }
            if since is not None:
                parameters["since"] = since
            return self._requests.fetch_all(path, parameters, None, "read comments").items

        what = f"comments of {self._requests.repo}"
        read = read_incrementally(probe, read_since, cursor, what=what)
        comments = tuple(self._comment(item) for item in read.items)
        return Observed(comments, read.cursor, read.not_modified)

    def post(self, issue_number: int, body: str) -> RemoteComment:
        """Post a comment. After an unclear failure the issue's recent comments are searched
        for the same body before it is posted again."""
        issue = self._repository.get_issue(issue_number)  # lazy: no request
        doing = f"comment on issue #{issue_number}"

        def post() -> RemoteComment:
            comment = self._requests.call(
                partial(issue.create_comment, body),
                doing,
                f"issue #{issue_number}",
                write=True,
                idempotent=False,
            )
            return comment_from_github(comment)

        # Only a comment created since the first attempt began can be one it made.
        since = self._requests.clock.now() - CLOCK_SKEW
        return self._requests.write_once(
            post, partial(self._find, issue_number, body, since), doing
        )

    def _find(self, issue_number: int, body: str, since: datetime) -> RemoteComment | None:
        parameters = {"since": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "per_page": PER_PAGE}
        path = f"{self._requests.path}/issues/{issue_number}/comments"
        doing = f"list comments of issue #{issue_number}"
        for items in self._requests.pages(path, parameters, doing):
            for item in items:
                if item.get("body") == body:
                    return self._comment(item)
        return None

    def react(self, comment: RemoteComment, reaction: str) -> None:
        if reaction not in REACTIONS:
            raise ValueError(
                f"GitHub has no reaction {reaction!r}; use one of {', '.join(sorted(REACTIONS))}."
            )
        # Lazy objects: only the POST is sent.
        target = self._repository.get_issue(comment.issue_number).get_comment(comment.id)
        # Reacting twice with the same content answers the existing reaction: idempotent.
        self._requests.call(
            partial(target.create_reaction, reaction),
            f"react to comment {comment.id}",
            f"comment {comment.id}",
            write=True,
            idempotent=True,
        )

"""Milestones of one GitHub repository: read (with an ETag), created without duplicates, edited."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from github.Milestone import Milestone

from plansync.model.remote import (
    Cursor,
    MilestoneDraft,
    MilestonePatch,
    Observed,
    RemoteMilestone,
)
from plansync.trackers.github.convert import due_on_text, milestone_from_github
from plansync.trackers.github.http import PER_PAGE
from plansync.trackers.github.requests import RepoRequests


class RepoMilestones:
    def __init__(self, requests: RepoRequests) -> None:
        self._requests = requests

    def list(self) -> list[RemoteMilestone]:
        return list(self.observe(None).items)

    def observe(self, cursor: Cursor | None) -> Observed[RemoteMilestone]:
        """Every milestone without a cursor; from one, the milestones of the pages that
        changed, with `all_numbers` naming every milestone of the list (see github/pages.py).
        An unchanged list costs one 304 a page."""
        parameters = {"state": "all", "per_page": PER_PAGE}
        marks = cursor.pages if cursor is not None else ()
        read = self._requests.read_pages(
            f"{self._requests.path}/milestones",
            parameters,
            marks,
            lambda item: int(item["number"]),
            "read milestones",
            f"milestones of {self._requests.repo}",
        )
        after = Cursor(pages=read.marks)
        if read.not_modified:
            return Observed((), after, not_modified=True, all_numbers=frozenset(read.numbers))
        requester = self._requests.requester
        milestones = tuple(
            milestone_from_github(Milestone(requester, {}, dict(item), completed=True))
            for item in read.fresh
        )
        return Observed(milestones, after, all_numbers=frozenset(read.numbers))

    def create(self, draft: MilestoneDraft) -> RemoteMilestone:
        fields: dict[str, Any] = {"title": draft.title, "description": draft.description}
        if draft.due_on is not None:
            fields["due_on"] = due_on_text(draft.due_on)
        doing = f"create milestone {draft.title!r}"

        def find() -> RemoteMilestone | None:
            # Milestone titles are unique in a repository: the title is the marker.
            return next((m for m in self.list() if m.title == draft.title), None)

        return self._requests.write_once(
            partial(self._request, "POST", "", fields, doing, idempotent=False),
            find,
            doing,
        )

    def update(self, number: int, patch: MilestonePatch) -> RemoteMilestone:
        fields: dict[str, Any] = {}
        if patch.title is not None:
            fields["title"] = patch.title
        if patch.description is not None:
            fields["description"] = patch.description
        if patch.due_on is not None:
            fields["due_on"] = due_on_text(patch.due_on)
        if patch.state is not None:
            fields["state"] = patch.state.value
        return self._request(
            "PATCH", f"/{number}", fields, f"update milestone {number}", idempotent=True
        )

    def _request(
        self, verb: str, suffix: str, fields: Mapping[str, Any], doing: str, *, idempotent: bool
    ) -> RemoteMilestone:
        # PyGithub's Milestone.edit requires a title and sends a bare date; the REST call is
        # made through its requester instead, with a full timestamp.
        requester = self._requests.requester

        def send() -> Milestone:
            headers, data = requester.requestJsonAndCheck(
                verb, f"{self._requests.path}/milestones{suffix}", input=dict(fields)
            )
            return Milestone(requester, headers, data, completed=True)

        subject = f"milestone {suffix.lstrip('/')}" if suffix else ""
        milestone = self._requests.call(send, doing, subject, write=True, idempotent=idempotent)
        return milestone_from_github(milestone)

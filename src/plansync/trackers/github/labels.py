"""Labels of one GitHub repository, and estimates kept as an `estimate: 1h30m` label (GitHub
has no estimate field)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from github import GithubException
from github.Repository import Repository

from plansync.trackers.github.convert import estimate_label, is_estimate_label, label_color
from plansync.trackers.github.http import PER_PAGE
from plansync.trackers.github.requests import RepoRequests


class RepoLabels:
    """Label names are listed once per tracker and then kept up to date by our own creates; a
    label deleted meanwhile by a person is harmless, GitHub creates labels an issue is given."""

    def __init__(self, requests: RepoRequests, repository: Repository) -> None:
        self._requests = requests
        self._repository = repository
        self._names: set[str] | None = None  # casefolded: GitHub's names ignore case

    def ensure(self, names: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
        if not wanted:
            return
        known = self._known()
        for name in wanted:
            if name.casefold() not in known:
                self._create(name)
                known.add(name.casefold())

    def _known(self, refresh: bool = False) -> set[str]:
        if self._names is None or refresh:
            names: set[str] = set()
            path = f"{self._requests.path}/labels"
            for items in self._requests.pages(path, {"per_page": PER_PAGE}, "list labels"):
                names.update(str(item["name"]).casefold() for item in items)
            self._names = names
        return self._names

    def _create(self, name: str) -> None:
        doing = f"create label {name!r}"

        def create() -> str:
            try:
                self._repository.create_label(name, label_color(name))
            except GithubException as exc:
                # Created meanwhile by someone else: that is what we wanted.
                if not (exc.status == 422 and _says_already_exists(exc.data)):
                    raise
            return name

        def find() -> str | None:
            return name if name.casefold() in self._known(refresh=True) else None

        self._requests.write_once(
            partial(self._requests.call, create, doing, write=True, idempotent=False),
            find,
            doing,
        )

    def set_estimate(self, number: int, minutes: int | None, labels: Iterable[str]) -> None:
        """Give issue `number`, which carries `labels` now, one estimate label or none.

        One PATCH replaces the issue's labels: the others are sent back as they were read a
        moment ago, so only a label change made within that moment could be undone.
        """
        current = list(labels)
        # No estimate and an estimate of 0 are one: GitLab cannot keep them apart either.
        wanted = estimate_label(minutes) if minutes else None
        kept = [name for name in current if not is_estimate_label(name)]
        new = kept + ([wanted] if wanted is not None else [])
        if sorted(new) == sorted(current):
            return
        if wanted is not None:
            self.ensure([wanted])
        issue = self._repository.get_issue(number)  # lazy: no request
        self._requests.call(
            partial(issue.edit, labels=new),
            f"set the estimate label of issue #{number}",
            f"issue #{number}",
            write=True,
        )


def _says_already_exists(data: Any) -> bool:
    if not isinstance(data, Mapping):
        return False
    return any(
        isinstance(error, Mapping) and error.get("code") == "already_exists"
        for error in data.get("errors") or ()
    )

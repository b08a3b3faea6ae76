"""The GitHub adapter: one repository behind plansync's Tracker Protocol, through PyGithub.

Requests run through `RepoRequests` (paced writes, retries, errors naming the repository);
files, labels, milestones and comments have a module each. PyGithub objects are turned into
plansync's frozen types before they leave the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from github import Auth, GithubException
from github.Issue import Issue

from plansync.clock import Clock, SystemClock
from plansync.errors import ConfigError
from plansync.model.remote import (
    CloseReason,
    Cursor,
    IssueDraft,
    IssuePatch,
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
from plansync.trackers.base import Capabilities, RequestStats, Tracker
from plansync.trackers.github.app import REQUIRED, AppInstallation
from plansync.trackers.github.comments import RepoComments
from plansync.trackers.github.convert import (
    estimate_label,
    is_estimate_label,
    is_pull_request,
    issue_from_github,
    permission_from_github,
)
from plansync.trackers.github.errors import (
    APP_HINT,
    TOKEN_HINT,
    AssigneesRefused,
    refused_assignees,
)
from plansync.trackers.github.files import RepoFiles
from plansync.trackers.github.gitdata import GitDatabase
from plansync.trackers.github.http import (
    DEFAULT_BASE_URL,
    PER_PAGE,
    build_client,
    checked_base_url,
)
from plansync.trackers.github.labels import RepoLabels
from plansync.trackers.github.milestones import RepoMilestones
from plansync.trackers.github.observe import Item, Probe, read_incrementally
from plansync.trackers.github.requests import CLOCK_SKEW, RepoRequests
from plansync.trackers.pacing import PacingLimits, tracker_pacer
from plansync.trackers.repository import RepositoryAccess, RepositoryDelegate
from plansync.trackers.timeouts import DEFAULT_TIMEOUTS, Timeouts

__all__ = ["DEFAULT_BASE_URL", "GitHubTracker"]

log = logging.getLogger(__name__)


class GitHubTracker(RepositoryDelegate):
    """One GitHub repository ("owner/name"), on github.com or GitHub Enterprise Server."""

    kind = "github"
    capabilities = Capabilities(close_reason=True, conditional_reads=True)

    def __init__(
        self,
        repo: str,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        pacing: PacingLimits = PacingLimits(),  # noqa: B008 - frozen, so sharing it is safe
        max_wait: float = 60.0,
        clock: Clock | None = None,
        timeout: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        if not token:
            raise ConfigError(f"No GitHub token was given for {repo}. {TOKEN_HINT}")
        self._setup(repo, Auth.Token(token), TOKEN_HINT, base_url, pacing, max_wait, clock, timeout)

    @classmethod
    def from_app(
        cls,
        repo: str,
        app_id: int,
        private_key: str,
        installation_id: int,
        *,
        base_url: str = DEFAULT_BASE_URL,
        pacing: PacingLimits = PacingLimits(),  # noqa: B008 - frozen, so sharing it is safe
        max_wait: float = 60.0,
        clock: Clock | None = None,
        timeout: Timeouts = DEFAULT_TIMEOUTS,
    ) -> GitHubTracker:
        """A tracker authenticated as a GitHub App installation; PyGithub renews its
        installation token before it expires."""
        auth = Auth.AppInstallationAuth(Auth.AppAuth(app_id, private_key), installation_id)
        tracker = cls.__new__(cls)
        tracker._setup(repo, auth, APP_HINT, base_url, pacing, max_wait, clock, timeout)
        return tracker

    def _setup(
        self,
        repo: str,
        auth: Auth.Auth,
        auth_hint: str,
        base_url: str,
        pacing: PacingLimits,
        max_wait: float,
        clock: Clock | None,
        timeout: Timeouts,
    ) -> None:
        owner, _, name = repo.strip().partition("/")
        if not owner or not name or "/" in name:
            raise ConfigError(
                f"GitHub repository {repo!r} is not of the form owner/name; set the "
                "repository in the configuration to something like `octo-org/plans`."
            )
        self.repo = f"{owner}/{name}"
        base_url = checked_base_url(base_url, self.repo)
        self.stats = RequestStats()
        self._client = build_client(auth, base_url, timeout, self.stats)
        self._requester = self._client.requester
        self._repo = self._client.get_repo(self.repo)  # lazy: no request yet
        self._clock: Clock = clock if clock is not None else SystemClock()
        pacer = tracker_pacer(base_url, pacing, clock)
        self._requests = RepoRequests(
            self.repo,
            f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}",
            self._requester,
            pacer,
            self._clock,
            max_wait,
            auth_hint,
            base_url,
        )
        self._files = RepoFiles(self._requests, self._repo)
        self._labels = RepoLabels(self._requests, self._repo)
        self._comments = RepoComments(self._requests, self._repo)
        self._milestones = RepoMilestones(self._requests)
        self._repository = GitDatabase(self._requests)
        self.app_installation: AppInstallation | None = None  # set when acting as an App
        # The issue the last edit answered with, and the adapter's request count just after it:
        # it holds the issue as it is only while no other request has gone since.
        self._last_written: tuple[RemoteIssue, int] | None = None

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def _issue(self, data: Mapping[str, Any]) -> Issue:
        return Issue(self._requester, {}, dict(data), completed=True)

    # issues ---------------------------------------------------------------------------------

    def observe_issues(self, cursor: Cursor | None = None) -> Observed[RemoteIssue]:
        path = f"{self._requests.path}/issues"

        def probe(etag: str | None) -> Probe:
            newest_first = {
                "state": "all",
                "sort": "updated",
                "direction": "desc",
                "per_page": PER_PAGE,
            }
            return self._requests.probe(path, newest_first, etag, "read issues")

        def read_since(since: str | None) -> list[Item]:
            parameters: dict[str, Any] = {
                "state": "all",
                "sort": "updated",
                "direction": "asc",
                "per_page": PER_PAGE,
            }
            if since is not None:
                parameters["since"] = since
            return self._requests.fetch_all(path, parameters, None, "read issues").items

        # Pull requests share the list (and its validator); they move the cursor like issues
        # do and are dropped only afterwards, so their activity is never mistaken for an
        # edit of an issue read at the cursor's second.
        read = read_incrementally(probe, read_since, cursor, what=f"issues of {self.repo}")
        issues = tuple(
            issue_from_github(self._issue(item)) for item in read.items if not is_pull_request(item)
        )
        listed = (
            frozenset(int(item["number"]) for item in read.whole if not is_pull_request(item))
            if read.whole is not None
            else None
        )
        return Observed(issues, read.cursor, read.not_modified, all_numbers=listed)

    def get_issue(self, number: int) -> RemoteIssue | None:
        issue = self._requests.call_or_none(
            lambda: self._repo.get_issue(number).complete(),
            f"read issue #{number}",
            f"issue #{number}",
        )
        if issue is None or issue.pull_request is not None:
            return None
        return issue_from_github(issue)

    def create_issue(self, draft: IssueDraft, marker: str | None = None) -> RemoteIssue:
        if marker is not None and marker not in draft.body:
            raise ValueError(
                f"The marker {marker!r} is not in the body of issue draft {draft.title!r}; "
                "an unclear create could not be recognised later."
            )
        # Only an issue created since this write began can be the one it made. Without a
        # marker nothing tells it apart: an unclear failure is reported, not tried again.
        since = self._clock.now() - CLOCK_SKEW
        find = (
            partial(self.find_issue_by_marker, marker, since=since) if marker is not None else None
        )
        return self._requests.write_once(
            partial(self._create_issue_once, draft), find, f"create issue {draft.title!r}"
        )

    def _create_issue_once(self, draft: IssueDraft) -> RemoteIssue:
        # A person GitHub will not assign costs the issue that person, not the issue itself:
        # the 422 made nothing, so posting again without them cannot make a duplicate.
        assignees = draft.assignees
        while True:
            try:
                return self._post_issue(draft, assignees)
            except AssigneesRefused as refused:
                assignees = tuple(a for a in assignees if a not in refused.logins)
                log.warning(
                    "%s cannot assign %s; creating issue %r without them",
                    self._requests.what,
                    ", ".join(refused.logins),
                    draft.title,
                )

    def _post_issue(self, draft: IssueDraft, assignees: tuple[str, ...]) -> RemoteIssue:
        fields: dict[str, Any] = {"body": draft.body}
        labels = list(draft.labels)
        if draft.estimate_minutes:
            wanted = estimate_label(draft.estimate_minutes)
            self._labels.ensure([wanted])  # made with its colour, as set_estimate makes it
            labels = [name for name in labels if not is_estimate_label(name)] + [wanted]
        if labels:
            fields["labels"] = labels
        if assignees:
            fields["assignees"] = list(assignees)
        if draft.milestone_number is not None:
            fields["milestone"] = self._repo.get_milestone(draft.milestone_number)  # lazy

        def post() -> Issue:
            try:
                return self._repo.create_issue(draft.title, **fields)
            except GithubException as exc:
                refused = refused_assignees(exc, assignees)
                if refused:
                    raise AssigneesRefused(refused) from exc
                raise

        issue = self._requests.call(
            post, f"create issue {draft.title!r}", write=True, idempotent=False
        )
        return issue_from_github(issue)

    def update_issue(self, number: int, patch: IssuePatch) -> RemoteIssue:
        fields: dict[str, Any] = {}
        if patch.title is not None:
            fields["title"] = patch.title
        if patch.body is not None:
            fields["body"] = patch.body
        if patch.labels is not None:
            fields["labels"] = list(patch.labels)
        if patch.assignees is not None:
            fields["assignees"] = list(patch.assignees)
        if patch.clear_milestone:
            fields["milestone"] = None
        elif patch.milestone_number is not None:
            fields["milestone"] = self._repo.get_milestone(patch.milestone_number)  # lazy
        if not fields:
            current = self.get_issue(number)
            if current is None:
                raise self._requests.errors.not_found(404, "Not Found", f"issue #{number}")
            return current
        return self._edit_issue(number, fields, f"update issue #{number}")

    def _edit_issue(self, number: int, fields: Mapping[str, Any], doing: str) -> RemoteIssue:
        issue = self._repo.get_issue(number)  # lazy: the PATCH answer fills it in

        def edit() -> Issue:
            issue.edit(**fields)
            return issue

        written = issue_from_github(
            self._requests.call(edit, doing, f"issue #{number}", write=True, idempotent=True)
        )
        self._last_written = (written, self.stats.total)
        return written

    def close_issue(self, number: int, reason: CloseReason = CloseReason.COMPLETED) -> RemoteIssue:
        return self._edit_issue(
            number,
            {"state": "closed", "state_reason": reason.value},
            f"close issue #{number}",
        )

    def reopen_issue(self, number: int) -> RemoteIssue:
        return self._edit_issue(number, {"state": "open"}, f"reopen issue #{number}")

    def find_issue_by_marker(
        self, marker: str, since: datetime | None = None
    ) -> RemoteIssue | None:
        """The issue whose body holds `marker`, newest first. With `since`, only issues
        created at or after it are looked at, and the search stops at the first older one."""
        # The issue list is consistent right after a write; the search API lags behind it.
        parameters: dict[str, Any] = {
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "per_page": PER_PAGE,
        }
        if since is not None:
            # GitHub filters on `updated_at`, which is never before `created_at`.
            parameters["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = f"{self._requests.path}/issues"
        for items in self._requests.pages(path, parameters, "list issues"):
            for item in items:
                if since is not None and _created(item) < since:
                    return None
                if not is_pull_request(item) and marker in str(item.get("body") or ""):
                    return issue_from_github(self._issue(item))
        return None

    # milestones -----------------------------------------------------------------------------

    def list_milestones(self) -> list[RemoteMilestone]:
        return self._milestones.list()

    def observe_milestones(self, cursor: Cursor | None = None) -> Observed[RemoteMilestone]:
        return self._milestones.observe(cursor)

    def create_milestone(self, draft: MilestoneDraft) -> RemoteMilestone:
        return self._milestones.create(draft)

    def update_milestone(self, number: int, patch: MilestonePatch) -> RemoteMilestone:
        return self._milestones.update(number, patch)

    # labels ---------------------------------------------------------------------------------

    def ensure_labels(self, names: Iterable[str]) -> None:
        self._labels.ensure(names)

    # comments -------------------------------------------------------------------------------

    def observe_comments(self, cursor: Cursor | None = None) -> Observed[RemoteComment]:
        return self._comments.observe(cursor)

    def post_comment(self, issue_number: int, body: str) -> RemoteComment:
        return self._comments.post(issue_number, body)

    def add_reaction(self, comment: RemoteComment, reaction: str) -> None:
        self._comments.react(comment, reaction)

    # people ---------------------------------------------------------------------------------

    def permission(self, username: str) -> Permission:
        path = f"{self._requests.path}/collaborators/{quote(username, safe='')}/permission"
        answer = self._requests.call_or_none(
            lambda: self._requester.requestJsonAndCheck("GET", path)[1],
            f"read the permission of {username}",
            f"user {username}",
        )
        if not isinstance(answer, Mapping):
            return Permission.NONE
        return permission_from_github(answer)

    # repository files -----------------------------------------------------------------------

    def read_file(self, path: str, ref: str | None = None) -> RepoFile | None:
        return self._files.read(path, ref)

    def write_file(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        return self._files.write(path, content, message, version)

    # access (see trackers.access) -----------------------------------------------------------

    def access(self) -> AccessReport:
        requester = self._requester
        if self.app_installation is not None:
            installation = self.app_installation
            headers, _ = self._requests.call(
                lambda: requester.requestJsonAndCheck("GET", self._requests.path),
                "read the repository",
            )
            lacking = tuple(installation.lacking())
            held = tuple(
                f"{name}: {'read and write' if level == 'write' else 'read'}"
                for key, (name, level) in REQUIRED.items()
                if not any(text.startswith(name + ":") for text in lacking)
            )
            return AccessReport(f"{installation.app_slug}[bot]", held, lacking, _remaining(headers))
        headers, user = self._requests.call(
            lambda: requester.requestJsonAndCheck("GET", "/user"), "read the token's user"
        )
        _, repo = self._requests.call(
            lambda: requester.requestJsonAndCheck("GET", self._requests.path),
            "read the repository",
        )
        can = repo.get("permissions") or {}
        needs = (
            "Issues: read and write",
            "Contents: read and write",
            "Pull requests: read and write",
        )
        held = needs if can.get("push") else ("Metadata: read",) if can.get("pull") else ()
        lacking = () if can.get("push") else needs
        return AccessReport(str(user.get("login")), held, lacking, _remaining(headers))

    def token_expiry(self) -> date | None:
        return None  # an App's tokens renew themselves; a classic token's expiry is not read

    # estimates ------------------------------------------------------------------------------

    def set_estimate(self, number: int, minutes: int | None) -> None:
        if minutes is not None and minutes < 0:
            raise ValueError(
                f"The estimate for issue #{number} in {self._requests.what} is {minutes} "
                "minutes; an estimate is 0 or more (0 or None clears it)."
            )
        # The answer of an edit of this issue made just before (no request since) holds its
        # labels as they are now: no need to read them again.
        last = self._last_written
        current = None
        if last is not None and last[0].number == number and last[1] == self.stats.total:
            current = last[0]
        if current is None:
            current = self.get_issue(number)
        if current is None:
            raise self._requests.errors.not_found(404, "Not Found", f"issue #{number}")
        self._last_written = None
        self._labels.set_estimate(number, minutes, current.labels)


def _remaining(headers: Mapping[str, Any]) -> int | None:
    value = {str(k).lower(): v for k, v in headers.items()}.get("x-ratelimit-remaining")
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _created(item: Item) -> datetime:
    return datetime.fromisoformat(str(item["created_at"]))


if TYPE_CHECKING:
    # Lets mypy check the adapter against the Protocol, member by member.
    def _is_a_tracker(tracker: GitHubTracker) -> Tracker:
        return tracker

    def _is_a_repository(tracker: GitHubTracker) -> RepositoryAccess:
        return tracker

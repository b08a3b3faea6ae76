"""What a verified webhook delivery hints at: which repositories changed and, for a push, which
files and whose commits. Pure: payload in, hint out, then the projects a hint wakes.

An event is only a hint: the run it triggers re-reads the tracker, so nothing of the payload
goes into a run. A payload of the wrong shape is refused (BadDelivery), never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from plansync.config.project import ProjectConfig

# plansync's own commits start so; a push made only of them wakes nobody (no feedback loop).
OWN_COMMIT_PREFIX = "plansync:"

GITHUB_EVENTS = frozenset(
    {
        "issues",
        "issue_comment",
        "milestone",
        "push",
        "installation",
        "installation_repositories",
        "installation_target",
    }
)
GITHUB_PING = "ping"  # sent when a hook is created: answered, wakes nobody
GITLAB_EVENTS = frozenset(
    {"Issue Hook", "Confidential Issue Hook", "Note Hook", "Confidential Note Hook", "Push Hook"}
)


class BadDelivery(Exception):
    """The payload is not what the event promises; the message says which field."""


@dataclass(frozen=True)
class Push:
    """A push's files. `paths` None: the payload does not list them all. `own`: every commit
    in it is plansync's own. `default_branch`: it went to the repository's default branch.
    `branch`: the branch it went to (None for a tag)."""

    paths: frozenset[str] | None
    own: bool
    default_branch: bool
    branch: str | None = None


@dataclass(frozen=True)
class Hint:
    provider: str  # "github" or "gitlab"
    event: str
    repos: tuple[str, ...]
    push: Push | None = None


@dataclass(frozen=True)
class Wakes:
    """The projects a hint wakes, and why each other project of its repositories stays asleep."""

    projects: tuple[str, ...]
    ignored: tuple[str, ...]


def github_hint(event: str, payload: Any) -> Hint:
    body = _object(payload, "the payload")
    if event.startswith("installation"):
        repos = [
            _text(_object(r, f"{key}[]"), "full_name", f"{key}[].full_name")
            for key in ("repositories", "repositories_added", "repositories_removed")
            for r in _list(body.get(key, []), key)
        ]
        return Hint("github", event, tuple(repos))
    repository = _object(body.get("repository"), "repository")
    repo = _text(repository, "full_name", "repository.full_name")
    if event != "push":
        return Hint("github", event, (repo,))
    default = repository.get("default_branch")
    commits = [_object(c, "commits[]") for c in _list(body.get("commits", []), "commits")]
    return Hint("github", event, (repo,), _push(body, default, commits, complete=True))


def gitlab_hint(event: str, payload: Any) -> Hint:
    body = _object(payload, "the payload")
    project = _object(body.get("project"), "project")
    repo = _text(project, "path_with_namespace", "project.path_with_namespace")
    if event != "Push Hook":
        return Hint("gitlab", event, (repo,))
    commits = [_object(c, "commits[]") for c in _list(body.get("commits", []), "commits")]
    total = body.get("total_commits_count", len(commits))
    if not isinstance(total, int) or isinstance(total, bool):
        raise BadDelivery("total_commits_count: expected a number")
    # GitLab lists at most 20 commits of a push: the files of the others are unknown.
    complete = total <= len(commits)
    return Hint(
        "gitlab", event, (repo,), _push(body, project.get("default_branch"), commits, complete)
    )


def wakes(hint: Hint, projects: Sequence[ProjectConfig]) -> Wakes:
    """The projects syncing one of the hint's repositories that the hint concerns."""
    repos = {r.casefold() for r in hint.repos}
    woken: list[str] = []
    ignored: list[str] = []
    for project in projects:
        if project.tracker.kind != hint.provider or project.tracker.repo.casefold() not in repos:
            continue
        why = _asleep_because(hint.push, project) if hint.push is not None else None
        if why is None:
            woken.append(project.name)
        else:
            ignored.append(f"{project.name}: {why}")
    return Wakes(tuple(woken), tuple(ignored))


def _asleep_because(push: Push, project: ProjectConfig) -> str | None:
    if push.own:
        return "the push holds only plansync's own commits"
    # Plans read from a named branch of the repository change with pushes to that branch.
    source = project.plans_source
    if source.kind == "repository" and source.branch:
        if push.branch != source.branch:
            return f"the push is not to {source.branch}, the branch its plans are read from"
    elif not push.default_branch:
        return "the push is not to the default branch"
    globs = project.plans
    if push.paths is not None and not any(glob_matches(p, g) for p in push.paths for g in globs):
        return "the push changes none of its plan files"
    return None


def _push(
    body: Mapping[str, Any], default: object, commits: list[Mapping[str, Any]], complete: bool
) -> Push:
    ref = body.get("ref")
    if not isinstance(ref, str):
        raise BadDelivery("ref: expected the pushed ref, e.g. refs/heads/main")
    # Without a default branch named, every branch counts.
    on_default = not isinstance(default, str) or ref == f"refs/heads/{default}"
    theirs = [c for c in commits if not _message(c).startswith(OWN_COMMIT_PREFIX)]
    own = bool(commits) and not theirs and complete
    paths: set[str] = set()
    for commit in theirs:
        for key in ("added", "modified", "removed"):
            for path in _list(commit.get(key, []), f"commits[].{key}"):
                if not isinstance(path, str):
                    raise BadDelivery(f"commits[].{key}: expected file paths")
                paths.add(path)
    # A push without commits listed (a branch moved to an existing commit) may change anything.
    known = complete and bool(commits)
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return Push(frozenset(paths) if known else None, own, on_default, branch)


def _message(commit: Mapping[str, Any]) -> str:
    message = commit.get("message", "")
    if not isinstance(message, str):
        raise BadDelivery("commits[].message: expected text")
    return message.lstrip()


def glob_matches(path: str, glob: str) -> bool:
    """`path` (relative, `/`-separated) matches a plan glob: `*` and `?` within one folder,
    `**` across folders, `[...]` a set of characters."""
    return _glob_regex(glob.removeprefix("./")).fullmatch(path.removeprefix("./")) is not None


@lru_cache(maxsize=256)
def _glob_regex(glob: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            parts.append(".*")
            i += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[" and (end := glob.find("]", i + 2)) != -1:
            inside = glob[i + 1 : end]
            negate = inside.startswith("!")
            inside = re.escape(inside[1:] if negate else inside).replace("\\-", "-")
            parts.append(f"[{'^' if negate else ''}{inside}]")
            i = end + 1
            continue
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts))


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadDelivery(f"{name}: expected a JSON object")
    return value


def _list(value: Any, name: str) -> Iterable[Any]:
    if not isinstance(value, list):
        raise BadDelivery(f"{name}: expected a JSON array")
    return value


def _text(body: Mapping[str, Any], key: str, name: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadDelivery(f"{name}: expected the repository's path, e.g. acme/website")
    return value

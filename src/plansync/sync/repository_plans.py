"""Planfiles that live in the tracker's repository: `RepositoryPlans`, a PlanSource.

A run works on a working copy (a folder beside the config): the planfiles the globs match in
the branch's tree, each fetched only when its blob changed. The run's edits land in that copy
like in a local folder; `flush` then pushes every file the run changed in one commit, on top of
the head the run read. A branch pushed to meanwhile refuses it: the files that changed there
are read again, the run's edits and summaries made again on their bytes, and the push tried
again (a few times). A push that could not be made stays in the working copy and is made at
the start of the next run, so a killed run loses nothing it recorded. Nothing is ever forced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plansync.config.load import LoadedConfig, rules_for
from plansync.config.project import ProjectConfig
from plansync.errors import BranchProtectedError, ConfigError, StaleFileError, TrackerError
from plansync.fileio import atomic_write
from plansync.model.changeset import ActionResult, EditPlan, PlanEditKind, Status, WriteSummary
from plansync.model.sync import Notice, PlanInput
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.summary.place import write_summary
from plansync.sync.planedit import apply_edits
from plansync.sync.plans import PlanRead
from plansync.sync.result import RunResult
from plansync.trackers.repository import BranchTree, FileChange, RepositoryAccess

# Pushes tried against a branch that keeps moving before the run gives up (and the next run
# pushes what is left).
PUSH_ATTEMPTS = 3
_STATE = "state.json"
_WORDS = {
    PlanEditKind.TICK: "ticked",
    PlanEditKind.UNTICK: "unticked",
    PlanEditKind.LINK: "linked",
    PlanEditKind.RETITLE: "retitled",
    PlanEditKind.STRIKE: "struck",
    PlanEditKind.UNSTRIKE: "unstruck",
}


def commit_message(results: list[ActionResult]) -> str:
    """`plansync: 3 tasks ticked, 1 retitled, summaries [skip ci]` (the daemon knows its own
    pushes by the `plansync:` at the start)."""
    counts: dict[str, int] = {}
    summaries = False
    for r in results:
        if r.status is not Status.APPLIED:
            continue
        if isinstance(r.action, EditPlan):
            word = _WORDS[r.action.kind]
            counts[word] = counts.get(word, 0) + 1
        elif isinstance(r.action, WriteSummary):
            summaries = True
    parts = [f"{n} {word}" for word, n in counts.items()]
    if parts:
        first = parts[0].split(" ", 1)
        parts[0] = f"{first[0]} {'task' if first[0] == '1' else 'tasks'} {first[1]}"
    if summaries:
        parts.append("summaries")
    return f"plansync: {', '.join(parts) or 'plan files'} [skip ci]"


def repository_of(tracker: object) -> RepositoryAccess:
    """The tracker as a repository of plan files, or ConfigError when its kind has none."""
    if not isinstance(tracker, RepositoryAccess):
        raise ConfigError(
            f"The {getattr(tracker, 'kind', 'configured')} tracker cannot serve plan files "
            'from its repository; set [projects.plans_source] kind = "local".'
        )
    return tracker


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A path glob as pathlib reads it: `*` and `?` stay inside a folder, `**` spans any."""
    out = []
    parts = glob.strip("/").split("/")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        text = ""
        j = 0
        while j < len(part):
            c = part[j]
            if c == "*":
                text += "[^/]*"
            elif c == "?":
                text += "[^/]"
            elif c == "[":
                end = part.find("]", j + 1)
                if end < 0:
                    text += re.escape(c)
                else:
                    body = part[j + 1 : end].replace("\\", "\\\\")
                    text += "[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]"
                    j = end
            else:
                text += re.escape(c)
            j += 1
        out.append(text + ("" if last else "/"))
    return re.compile("".join(out))


@dataclass
class _Copy:
    """What the working copy remembers between runs."""

    tree: BranchTree | None
    versions: dict[str, str]  # path -> version the file was read at
    read: dict[str, str]  # path -> sha256 of the bytes as read (unpushed edits differ)
    proposing: bool = False  # the edits go to plansync's pull request, not to the branch
    default_branch: str = ""  # looked up once: set `branch` to use another

    def to_json(self) -> dict[str, Any]:
        tree = self.tree
        return {
            "tree": None
            if tree is None
            else {
                "branch": tree.branch,
                "head": tree.head,
                "files": dict(tree.files),
                "tree": tree.tree,
                "validator": tree.validator,
            },
            "versions": self.versions,
            "read": self.read,
            "proposing": self.proposing,
            "default_branch": self.default_branch,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _Copy:
        raw = data.get("tree")
        tree = (
            BranchTree(
                str(raw["branch"]),
                str(raw["head"]),
                {str(k): str(v) for k, v in raw["files"].items()},
                str(raw.get("tree", "")),
                raw.get("validator"),
            )
            if isinstance(raw, Mapping)
            else None
        )
        return cls(
            tree,
            dict(data.get("versions", {})),
            dict(data.get("read", {})),
            bool(data.get("proposing", False)),
            str(data.get("default_branch", "")),
        )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class RepositoryPlans:
    """The planfiles the project's globs match in a branch of the tracker's repository."""

    def __init__(
        self,
        config: LoadedConfig,
        project: ProjectConfig,
        repository: RepositoryAccess | None,
        *,
        dry_run: bool = False,
    ) -> None:
        self.config = config
        self.project = project
        self.repository = repository
        self.dry_run = dry_run
        base = config.source.parent if config.source is not None else Path(".")
        self.folder = (base / project.plans_source.working_copy / project.name).resolve()
        self.files = self.folder / "files"
        self._copy = self._load()
        self._branch: str | None = None
        self.tree: BranchTree | None = None
        self.as_read: dict[str, bytes] = {}
        self.notices: list[Notice] = []
        self._done_reading = False

    def _remote(self) -> RepositoryAccess:
        if self.repository is None:
            raise RuntimeError("this plan source reads its working copy only")
        return self.repository

    # -- the working copy ------------------------------------------------------------------

    def _load(self) -> _Copy:
        try:
            data = json.loads((self.folder / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return _Copy(None, {}, {})
        return _Copy.from_json(data) if isinstance(data, dict) else _Copy(None, {}, {})

    def _save(self) -> None:
        if self.dry_run:
            return
        text = json.dumps(self._copy.to_json(), indent=1, sort_keys=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.folder / _STATE, text.encode("utf-8"))

    def _path(self, planfile: str) -> Path:
        return self.files / planfile

    def _held(self, planfile: str) -> bytes | None:
        try:
            return self._path(planfile).read_bytes()
        except OSError:
            return None

    def _keep(self, planfile: str, data: bytes) -> None:
        if self.dry_run:
            return
        path = self._path(planfile)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)

    @property
    def branch(self) -> str:
        """The branch the plans belong to."""
        if self._branch is None:
            if not self.project.plans_source.branch and not self._copy.default_branch:
                self._copy.default_branch = self._remote().default_branch()
            self._branch = self.project.plans_source.branch or self._copy.default_branch
        return self._branch

    @property
    def rolling(self) -> str:
        return f"plansync/{self.branch}"

    @property
    def reading(self) -> str:
        """Where the run reads and pushes: plansync's own branch while its pull request is
        open (what it proposed there is what the plans hold for it), else the branch."""
        return self.rolling if self._copy.proposing else self.branch

    def _check_proposal(self) -> None:
        """A pull request merged or closed ends the proposal: back to the branch."""
        if not self._copy.proposing:
            return
        if self._remote().pull_request(self.rolling, self.branch, "", "", create=False) is None:
            self._copy.proposing = False
            self._copy.tree = None

    def offline(self) -> list[PlanRead]:
        """The plans as the last run left them in the working copy, without asking the
        tracker (`plansync status`)."""
        names = sorted(n for n in self._copy.read if self._held(n) is not None)
        if not names:
            raise ConfigError(
                f"project {self.project.name!r} keeps its plans in the repository and no run "
                f"has read them yet (nothing in {self.files}); run `plansync sync` first."
            )
        return [self._parse(n, self._held(n) or b"") for n in names]

    # -- PlanSource ------------------------------------------------------------------------

    def read(self) -> list[PlanRead]:
        if self._done_reading:
            # Read again within the run (after its edits): the working copy, as they left it.
            return [self._parse(n, self._held(n) or self.as_read[n]) for n in self.as_read]
        self._check_proposal()
        if not self.dry_run:
            self._push_left_over()
        before = self._copy.tree
        tree = self._read_tree()
        patterns = [glob_pattern(g) for g in self.project.plans]
        names = sorted(p for p in tree.files if any(rx.fullmatch(p) for rx in patterns))
        if not names:
            raise ConfigError(
                f"{self.config.source or '(config)'}: the plans of project "
                f"{self.project.name!r} ({', '.join(self.project.plans)}) match no file in "
                f"branch {self.branch} of {self.repository_name}. Fix the globs or the branch."
            )
        plans = []
        self.as_read = {}
        for name in names:
            data = self._fetch(name, tree, before)
            plans.append(self._parse(name, data))
        self._save()
        self._done_reading = True
        return plans

    def parsed(self, plan: PlanRead, raw: bytes) -> PlanRead:
        return self._parse(plan.planfile, raw)

    def exists(self, planfile: str) -> bool:
        return self.tree is not None and planfile in self.tree.files

    @property
    def repository_name(self) -> str:
        return str(getattr(self.repository, "repo", "the repository"))

    def _read_tree(self) -> BranchTree:
        known = self._copy.tree
        if known is not None and known.branch != self.reading:
            known = None
        tree = self._remote().branch_tree(self.reading, known)
        if tree is None:
            raise ConfigError(
                f"{self.config.source or '(config)'}: project {self.project.name!r} reads its "
                f"plans from branch {self.branch!r} of {self.repository_name}, which has no "
                "such branch. Set [projects.plans_source] branch to an existing branch."
            )
        self.tree = tree
        self._copy.tree = tree
        return tree

    def _fetch(self, name: str, tree: BranchTree, before: BranchTree | None) -> bytes:
        """The file's bytes: the working copy's when its blob did not change, or when it holds
        edits still to push on a file unchanged there (they are pushed at the end of the
        run); else read from the repository."""
        held = self._held(name)
        if held is not None and name in self._copy.versions:
            if git_blob_id(held) == tree.files[name]:
                self.as_read[name] = held
                return held
            unpushed = self._copy.read.get(name) != _digest(held)
            unchanged = before is not None and before.files.get(name) == tree.files[name]
            if unpushed and unchanged:
                self.as_read[name] = b""  # not what the branch holds: flush pushes it
                return held
        got = self._remote().read_blob(name, tree.files[name], tree.head)
        self._copy.versions[name] = got.version
        self._copy.read[name] = _digest(got.content)
        self._keep(name, got.content)
        self.as_read[name] = got.content
        return got.content

    def _parse(self, planfile: str, raw: bytes) -> PlanRead:
        path = self._path(planfile)
        rules = rules_for(self.config, self.config.root / planfile)
        document = parse_plan(raw, path, rules)
        text = decode_plan(raw, path).text
        lines = tuple(line.rstrip("\r\n") for line in split_text_lines(text))
        plan_url = self.project.tracker.web_url(planfile)
        return PlanRead(
            planfile,
            path,
            raw,
            rules,
            PlanInput(
                planfile, document, lines, plan_url=plan_url, sync_criteria=rules.sync_criteria
            ),
        )

    # -- pushing ---------------------------------------------------------------------------

    def flush(self, result: RunResult) -> None:
        """Push what the run changed in the working copy: one commit, or nothing."""
        changed = {
            name: data
            for name in self.as_read
            if (data := self._held(name)) is not None and data != self.as_read[name]
        }
        result.changesets[-1].notices.extend(self.notices)
        self.notices.clear()
        if not changed or self.tree is None:
            return
        problem = self._push(changed, commit_message(result.results), result.results)
        if problem is not None:
            self._fail_plan_results(result, set(changed), problem)
        result.changesets[-1].notices.extend(self.notices)
        self.notices.clear()

    def _push_left_over(self) -> None:
        """Push what a run before left unpushed (it was killed, or the branch refused it)."""
        left = {}
        for name, digest in self._copy.read.items():
            data = self._held(name)
            if data is not None and _digest(data) != digest:
                left[name] = data
        if not left or self._copy.tree is None:
            return
        self.tree = self._remote().branch_tree(self.reading, self._copy.tree)
        if self.tree is None:
            return
        self.as_read = {}
        for name, data in list(left.items()):
            blob = self.tree.files.get(name)
            if blob == git_blob_id(data) or blob is None:
                # Pushed by a run killed before it said so (or the file is gone): read it anew.
                self._copy.read.pop(name, None)
                self._copy.versions.pop(name, None)
                del left[name]
                continue
            if blob == self._copy.tree.files.get(name):
                continue  # unchanged there: our bytes go on top
            # Changed there too: their version wins; what was not pushed is said, not lost.
            self.notices.append(
                Notice(
                    None,
                    f"{name} changed in {self.reading} while plansync had edits of it still to "
                    "push; those edits were dropped and are made again from the tracker.",
                )
            )
            left[name] = b""
        pushable = {k: v for k, v in left.items() if v}
        for name in left:
            if not left[name]:
                self._copy.read.pop(name, None)
                self._copy.versions.pop(name, None)
        if pushable:
            self._push(pushable, "plansync: edits of an interrupted run [skip ci]", [])
        self._save()

    def _push(
        self, changed: dict[str, bytes], message: str, results: list[ActionResult]
    ) -> str | None:
        """Push `changed`; None when pushed, else why not."""
        mode = self.project.plans_source.write
        if mode == "pull-request" and not self._copy.proposing:
            return self._propose(changed, message)
        for _ in range(PUSH_ATTEMPTS):
            assert self.tree is not None
            files = {n: FileChange(d, self._copy.versions.get(n, "")) for n, d in changed.items()}
            try:
                self._remote().commit_files(self.reading, self.tree, files, message)
            except StaleFileError:
                changed = self._rebase(changed, results)
                if not changed:
                    return None  # the branch already holds these bytes
                continue
            except BranchProtectedError as exc:
                if mode == "auto" and not self._copy.proposing:
                    self.notices.append(
                        Notice(
                            None,
                            f"{self.branch} refuses plansync's pushes ({exc}); from now on the "
                            f"plan edits go to one pull request from {self.rolling}, updated "
                            "by each run until it is merged or closed.",
                        )
                    )
                    return self._propose(changed, message)
                return str(exc)
            except TrackerError as exc:
                return str(exc)
            self._pushed(changed)
            if self._copy.proposing:
                self._ensure_pull_request()
            return None
        return (
            f"branch {self.reading} of {self.repository_name} kept moving while plansync "
            f"pushed {', '.join(sorted(changed))}; the next run pushes them"
        )

    def _pushed(self, changed: Mapping[str, bytes]) -> None:
        """After a push: read the branch again, so the next run starts from a 304."""
        tree = self._remote().branch_tree(self.reading, None)
        if tree is not None:
            self.tree = self._copy.tree = tree
            for name, data in changed.items():
                self._copy.read[name] = _digest(data)
                self.as_read[name] = data
                self._copy.versions[name] = self._version_now(name, tree)
        self._save()

    def _version_now(self, name: str, tree: BranchTree) -> str:
        return self._remote().read_blob(name, tree.files[name], tree.head).version

    def _rebase(self, changed: dict[str, bytes], results: list[ActionResult]) -> dict[str, bytes]:
        """The branch moved: make the run's edits again on the files as they are there now."""
        assert self.tree is not None
        fresh = self._remote().branch_tree(self.reading, None)
        if fresh is None:
            raise TrackerError(f"branch {self.reading} of {self.repository_name} is gone")
        again: dict[str, bytes] = {}
        for name, data in changed.items():
            blob = fresh.files.get(name)
            if blob == git_blob_id(data):
                continue  # already there (an earlier push whose answer was lost)
            if blob == self.tree.files.get(name):
                again[name] = data
                continue
            theirs = self._remote().read_blob(name, blob or "", fresh.head)
            self._copy.versions[name] = theirs.version
            self._copy.read[name] = _digest(theirs.content)
            self.as_read[name] = theirs.content
            redone = self._replay(name, theirs.content, results)
            self._keep(name, redone)
            if redone != theirs.content:
                again[name] = redone
        self.tree = self._copy.tree = fresh
        self._save()
        return again

    def _replay(self, name: str, theirs: bytes, results: list[ActionResult]) -> bytes:
        plan = self._parse(name, theirs)
        applied = [r.action for r in results if r.status is Status.APPLIED]
        edits = [a for a in applied if isinstance(a, EditPlan) and a.task.planfile == name]
        data = apply_edits(theirs, plan.path, plan.rules, edits).data if edits else theirs
        for action in applied:
            if isinstance(action, WriteSummary) and action.planfile == name:
                data = write_summary(data, action.content, action.place) or data
        return data

    def _propose(self, changed: dict[str, bytes], message: str) -> str | None:
        """Start the rolling branch `plansync/<branch>` from the head read, with the run's
        commit, and open the pull request; the next runs read and push there."""
        assert self.tree is not None
        files = {n: FileChange(d, self._copy.versions.get(n, "")) for n, d in changed.items()}
        try:
            if self._remote().branch_tree(self.rolling, None) is not None:
                # Left from a proposal merged or closed: a new one starts from the branch.
                return (
                    f"branch {self.rolling} exists without an open pull request; delete it "
                    "so plansync can propose its edits again"
                )
            self._remote().commit_files(
                self.rolling, self.tree, files, message, create_from=self.tree
            )
            self._copy.proposing = True
            self._pushed(changed)
            self._ensure_pull_request()
        except TrackerError as exc:
            return str(exc)
        return None

    def _ensure_pull_request(self) -> None:
        pull = self._remote().pull_request(
            self.rolling,
            self.branch,
            "plansync: plan files",
            f"The plan file edits plansync could not push to `{self.branch}`. Merge this to "
            "bring them in; plansync adds its next edits here while it is open.",
        )
        if pull is not None and pull.created:
            self.notices.append(Notice(None, f"opened {pull.url} with the plan file edits"))

    def _fail_plan_results(self, result: RunResult, names: set[str], why: str) -> None:
        for i, r in enumerate(result.results):
            planfile = (
                r.action.task.planfile
                if isinstance(r.action, EditPlan)
                else r.action.planfile
                if isinstance(r.action, WriteSummary)
                else None
            )
            if planfile in names and r.status is Status.APPLIED:
                result.results[i] = replace(
                    r, status=Status.FAILED, detail=f"not pushed: {why}; the next run pushes it"
                )


def working_copy_plans(config: LoadedConfig, project: ProjectConfig) -> list[PlanRead]:
    """The project's plans as the last run left them in its working copy (no request)."""
    return RepositoryPlans(config, project, None, dry_run=True).offline()

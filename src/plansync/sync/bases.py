"""Where each linked task's base goes while a changeset is applied.

A field an action settles moves to its new value when that action applies; fields no action
settles (both sides agreed, or a change was reported and kept) move at once. A task linked
without a base gets one only when all its actions applied: until then the next run still sees
both sides as changed and asks the policy again, instead of taking a half-synced state as agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from plansync.sync.model import (
    Action,
    BaseUpdate,
    Changeset,
    CloseIssue,
    EditPlan,
    Fields,
    ReopenIssue,
    TaskRef,
    UpdateIssue,
)

SaveBase = Callable[[TaskRef, Fields], None]
_FIELDS = tuple(Fields.__dataclass_fields__)


def settles(action: Action) -> tuple[str, ...]:
    if isinstance(action, UpdateIssue | CloseIssue | ReopenIssue | EditPlan):
        return action.settles
    return ()


def _task_of(action: Action) -> TaskRef | None:
    task = getattr(action, "task", None)
    return task if isinstance(task, TaskRef) else None


def _merge(base: Fields, target: Fields, names: set[str] | tuple[str, ...]) -> Fields:
    return replace(base, **{name: getattr(target, name) for name in names})


class BaseKeeper:
    def __init__(self, changeset: Changeset, save: SaveBase) -> None:
        self._save = save
        self._updates: dict[TaskRef, BaseUpdate] = dict(changeset.bases)
        self._pending: dict[TaskRef, int] = {}
        self._settled_later: dict[TaskRef, set[str]] = {}
        for action in changeset.actions:
            task = _task_of(action)
            names = settles(action)
            if task is None or task not in self._updates or not names:
                continue
            self._pending[task] = self._pending.get(task, 0) + 1
            self._settled_later.setdefault(task, set()).update(names)
        self._current: dict[TaskRef, Fields | None] = {}
        self._failed: set[TaskRef] = set()

    def start(self) -> None:
        """Move every base as far as it goes before any action runs."""
        for task, update in self._updates.items():
            later = self._settled_later.get(task, set())
            if update.before is None:
                self._current[task] = None
                if not later:
                    self._save(task, update.after)
                continue
            now = _merge(update.before, update.after, set(_FIELDS) - later)
            self._current[task] = now
            if now != update.before:
                self._save(task, now)

    def applied(self, action: Action) -> None:
        task = _task_of(action)
        names = settles(action)
        if task is None or task not in self._updates or not names:
            return
        self._pending[task] -= 1
        current = self._current.get(task)
        update = self._updates[task]
        if current is not None:
            current = _merge(current, update.after, names)
            self._current[task] = current
            self._save(task, current)
        elif self._pending[task] == 0 and task not in self._failed:
            self._save(task, update.after)

    def failed(self, action: Action) -> None:
        task = _task_of(action)
        if task is not None and task in self._updates and settles(action):
            self._pending[task] -= 1
            self._failed.add(task)

"""Where each linked task's base goes while a changeset is applied.

A field an action settles moves to its new value when that action applies; fields no action
settles (both sides agreed, or a change was reported and kept) move at once. A task linked
without a base gets one only when all its actions applied: until then the next run still sees
both sides as changed and asks the policy again, instead of taking a half-synced state as agreed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from plansync.model.changeset import (
    Action,
    BaseUpdate,
    Changeset,
    CloseIssue,
    EditPlan,
    LinkIssue,
    ReopenIssue,
    UpdateIssue,
)
from plansync.model.sync import Fields, TaskRef

SaveBase = Callable[[TaskRef, Fields], None]
_FIELDS = tuple(Fields.__dataclass_fields__)


def settles(action: Action) -> tuple[str, ...]:
    if isinstance(action, UpdateIssue | CloseIssue | ReopenIssue | EditPlan):
        return action.settles
    return ()


def _task_of(action: Action) -> TaskRef | None:
    task = getattr(action, "task", None)
    return task if isinstance(task, TaskRef) else None


def _merge(base: Fields, target: Fields, names: Iterable[str]) -> Fields:
    return replace(base, **{name: getattr(target, name) for name in names})


class BaseKeeper:
    def __init__(self, changeset: Changeset, save: SaveBase) -> None:
        self._save = save
        self._updates: dict[TaskRef, BaseUpdate] = dict(changeset.bases)
        self._pending: dict[TaskRef, int] = {}
        self._settled_later: dict[TaskRef, set[str]] = {}
        # Actions still to apply per (task, field): a field two actions settle (unstrike and
        # tick) moves only when both applied; half of it is not the other side's value.
        self._field_pending: dict[tuple[TaskRef, str], int] = {}
        self._failed_fields: set[tuple[TaskRef, str]] = set()
        for action in changeset.actions:
            task = _task_of(action)
            names = settles(action)
            if task is None or task not in self._updates or not names:
                continue
            self._pending[task] = self._pending.get(task, 0) + 1
            self._settled_later.setdefault(task, set()).update(names)
            for name in names:
                self._field_pending[(task, name)] = self._field_pending.get((task, name), 0) + 1
        self._current: dict[TaskRef, Fields | None] = {}
        self._failed: set[TaskRef] = set()
        # Linked in this run: the store holds no base for them yet, whatever `before` says.
        self._fresh = {a.task for a in changeset.actions if isinstance(a, LinkIssue)}

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
            if now != update.before or task in self._fresh:
                self._save(task, now)

    def applied(self, action: Action) -> None:
        task = _task_of(action)
        names = settles(action)
        if task is None or task not in self._updates or not names:
            return
        self._pending[task] -= 1
        ready = []
        for name in names:
            self._field_pending[(task, name)] -= 1
            if self._field_pending[(task, name)] == 0 and (task, name) not in self._failed_fields:
                ready.append(name)
        current = self._current.get(task)
        update = self._updates[task]
        if current is not None:
            if ready:
                current = _merge(current, update.after, ready)
                self._current[task] = current
                self._save(task, current)
        elif self._pending[task] == 0 and task not in self._failed:
            self._save(task, update.after)

    def failed(self, action: Action) -> None:
        task = _task_of(action)
        names = settles(action)
        if task is not None and task in self._updates and names:
            self._pending[task] -= 1
            self._failed.add(task)
            for name in names:
                self._field_pending[(task, name)] -= 1
                self._failed_fields.add((task, name))

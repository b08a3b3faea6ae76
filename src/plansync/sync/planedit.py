"""Carrying out a changeset's planfile edits on the file's bytes, by task key.

`apply_edits` is a pure function of its inputs: the engine may call it again on bytes it read
again. It parses the bytes once and edits task lines found in that parse through one
`PlanfileEditor`; this holds because no edit adds or removes a line, so line numbers stay valid
from one edit to the next.
`write_if_unchanged` then replaces the file only if nobody changed it in the meantime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from plansync.fileio import atomic_write
from plansync.model.changeset import EditPlan, PlanEditKind
from plansync.model.plan import PlanDocument, Task, TaskKind
from plansync.planfile.decode import Storage
from plansync.planfile.edit import PlanfileEditor
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules

__all__ = ["EditOutcome", "apply_edits", "write_if_unchanged"]


@dataclass(frozen=True)
class EditOutcome:
    """The new bytes (`== raw` when nothing changed), the edits carried out (including those
    the file already reflected) and the edits that could not be, each with a one-line reason."""

    data: bytes
    applied: tuple[EditPlan, ...]
    failed: tuple[tuple[EditPlan, str], ...]


class _EditFailed(Exception):
    """An edit that cannot be made; its message is the reason reported."""


def apply_edits(
    raw: bytes,
    path: Path,
    rules: ReaderRules,
    edits: Sequence[EditPlan],
    document: PlanDocument | None = None,
) -> EditOutcome:
    """Apply `edits`, in order, to the planfile bytes `raw` (read from `path`).

    Each edit finds its task by `edit.task.key` in `parse_plan(raw, path, rules)`. An edit that
    cannot be made (unknown key, a task that cannot show done-ness, a title not on its line,
    any refusal of the editor) is reported in `failed` and leaves the bytes as they were; the
    other edits still apply. The file is read and decoded once for all the edits, and its bytes
    joined once at the end. Raises PlanfileError when `raw` cannot be read as a planfile.

    `document`: `parse_plan(raw, path, rules)` when the caller has it already (the run read
    these very bytes), so a big file is not read twice.
    """
    if document is None:
        document = parse_plan(raw, path, rules)
    tasks = {task.key: task for task in document.tasks}
    ids_before: dict[int, str | None] = {}
    for read in document.tasks:
        ids_before.setdefault(read.line, read.id)
    # New titles are checked once, for all of them, after the last edit (see `refused_titles`).
    editor = PlanfileEditor(
        raw, Storage.of_encoding(document.encoding), rules, ids_before, document.format
    )
    applied: list[EditPlan] = []
    failed: list[tuple[EditPlan, str]] = []
    for edit in edits:
        task = tasks.get(edit.task.key)
        if task is None:
            failed.append(
                (
                    edit,
                    f"{path}: no task with key {edit.task.key!r} in the planfile; it was "
                    "renamed or removed since it was read, so this edit is left for the next run.",
                )
            )
            continue
        try:
            _edit_task(editor, task, edit)
        except (_EditFailed, ValueError) as exc:
            failed.append((edit, f"{path}:{task.line}: {exc}"))
            continue
        applied.append(edit)
    refused = editor.refused_titles()
    if refused:
        applied, undone = _undo_refused(applied, tasks, refused)
        failed += [(edit, f"{path}:{tasks[edit.task.key].line}: {why}") for edit, why in undone]
    return EditOutcome(editor.data, tuple(applied), tuple(failed))


_TITLE_EDITS = (PlanEditKind.RETITLE, PlanEditKind.STRIKE, PlanEditKind.UNSTRIKE)


def _undo_refused(
    applied: list[EditPlan], tasks: Mapping[str, Task], refused: Mapping[int, str]
) -> tuple[list[EditPlan], list[tuple[EditPlan, str]]]:
    """The edits still applied once the refused titles' lines got their bytes back, and those
    undone with why: from the first title edit of such a line on, its edits are undone."""
    kept: list[EditPlan] = []
    undone: list[tuple[EditPlan, str]] = []
    reverted: set[int] = set()
    for edit in applied:
        line = tasks[edit.task.key].line
        if line in refused and (edit.kind in _TITLE_EDITS or line in reverted):
            reverted.add(line)
            why = (
                refused[line]
                if edit.kind in _TITLE_EDITS
                else (
                    "the title edit on this line was refused, which undid this edit too; it is "
                    "left for the next run."
                )
            )
            undone.append((edit, why))
        else:
            kept.append(edit)
    return kept, undone


def _edit_task(editor: PlanfileEditor, task: Task, edit: EditPlan) -> None:
    match edit.kind:
        case PlanEditKind.TICK | PlanEditKind.UNTICK:
            _set_done(editor, task, edit.kind is PlanEditKind.TICK)
        case PlanEditKind.LINK:
            if edit.old:  # a reference the tracker cannot give the task, replaced
                editor.replace_issue_reference(task.line, edit.old, edit.value, task.table)
            else:
                editor.add_issue_link(task.line, edit.value, task.table, task.id)
        case PlanEditKind.RETITLE:
            _retitle(editor, task, edit.old, edit.value)
        case PlanEditKind.STRIKE:
            struck = f"~~{edit.value}~~"
            if not _holds_title(editor, task, struck):  # struck already: `~~~~title~~~~` else
                _retitle(editor, task, edit.value, struck)
        case PlanEditKind.UNSTRIKE:
            struck = f"~~{edit.value}~~"
            if _holds_title(editor, task, struck) or not _holds_title(editor, task, edit.value):
                _retitle(editor, task, struck, edit.value)


def _set_done(editor: PlanfileEditor, task: Task, done: bool) -> None:
    if task.table is not None:
        if task.table.index_of("status") is None:
            raise _EditFailed(
                f"task {task.key!r} is a table row and its table has no status column, so "
                "plansync cannot mark it done or open; add a `Status` column to the table."
            )
        editor.set_table_status(task.line, task.table, done)
    elif task.kind is TaskKind.CHECKBOX:
        editor.set_checkbox(task.line, done)
    else:
        raise _EditFailed(
            f"task {task.key!r} is written as a {task.kind.value} without a checkbox, so "
            "plansync cannot mark it done or open; write it as a checkbox item (`- [ ] ...`)."
        )


def _retitle(editor: PlanfileEditor, task: Task, old: str, new: str) -> None:
    editor.set_task_title(task.line, old, new, task.table, task.id)


def _holds_title(editor: PlanfileEditor, task: Task, title: str) -> bool:
    """Whether `title` stands on the task's line where the editor looks for titles (an equal
    old and new title is the editor's way of asking without changing anything)."""
    try:
        _retitle(editor, task, title, title)
    except ValueError:
        return False
    return True


def write_if_unchanged(path: Path, expected: bytes, data: bytes) -> bool:
    """Atomically replace the file at `path` with `data`, if it still holds `expected`.

    The file is read again right before the rename; when it differs from `expected` (someone
    saved it since it was read) nothing is written and False is returned, leaving their bytes
    as they are. `data == expected` writes nothing and returns True, so the mtime stays. The
    file's permission bits are kept; a symbolic link stays a link to the file written.
    """
    if data == expected:
        return True
    target = path.resolve()
    if not _holds(target, expected):
        return False
    return atomic_write(target, data, still_valid=lambda: _holds(target, expected))


def _holds(path: Path, expected: bytes) -> bool:
    try:
        return path.read_bytes() == expected
    except FileNotFoundError:
        return False

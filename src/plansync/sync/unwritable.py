"""Titles pulled from the tracker that the plan cannot take, found before anything is applied.

The title editor refuses a title it cannot write safely (one that would make the task's line
read another ID, or none). Found only when the edit is made, such a refusal came back each run
as a failed action. Tried here on the bytes the run read, the same edits are dropped from the
changeset instead and reported as a notice saying what to do: the tracker's title is kept there,
the plan's bytes are untouched, and the title's base stays where it was, so the plan's title is
never pushed over the tracker's and the run has nothing to do until a person settles the title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from plansync.model.changeset import Changeset, EditPlan, PlanEditKind
from plansync.model.sync import Notice
from plansync.sync.planedit import apply_edits
from plansync.sync.plans import PlanRead


def keep_unwritable_titles(changeset: Changeset, plans: Sequence[PlanRead]) -> None:
    """Drop from `changeset` each retitle the editor refuses on its plan's bytes, with a
    notice, and leave the task's title base as it was (see the module)."""
    by_file: dict[str, list[EditPlan]] = {}
    for edit in changeset.plan_edits:
        if edit.kind is PlanEditKind.RETITLE:
            by_file.setdefault(edit.task.planfile, []).append(edit)
    read = {plan.planfile: plan for plan in plans}
    refused: dict[EditPlan, str] = {}
    for planfile, edits in by_file.items():
        plan = read.get(planfile)
        if plan is not None:
            refused.update(_refused(plan, edits))
    if not refused:
        return
    changeset.actions = [a for a in changeset.actions if a not in refused]
    for edit, why in refused.items():
        changeset.notices.append(
            Notice(
                edit.task,
                f"retitled {edit.value!r} on the tracker, which the plan cannot take: {why} "
                "Retitle the task by hand (in the plan or on the tracker) so both read alike.",
            )
        )
        update = changeset.bases.get(edit.task)
        if update is not None:
            kept = update.before.title if update.before is not None else edit.old
            changeset.bases[edit.task] = replace(update, after=replace(update.after, title=kept))


def _refused(plan: PlanRead, edits: list[EditPlan]) -> dict[EditPlan, str]:
    """The retitles the editor refuses, with why. All of a file's are tried together first (one
    read of the file); only when some fail is each tried alone, since a refusal can undo the
    other retitles of the file with it."""
    document = plan.input.document  # the reader's of `plan.raw`: not read again
    outcome = apply_edits(plan.raw, plan.path, plan.rules, edits, document)
    if not outcome.failed:
        return {}
    refused: dict[EditPlan, str] = {}
    for edit, _ in outcome.failed:
        alone = apply_edits(plan.raw, plan.path, plan.rules, [edit], document)
        for failed, why in alone.failed:
            refused[failed] = why
    return refused

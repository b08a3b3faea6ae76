"""Issue references other tools write on a task's line, besides `#61` and issue URLs:
`ref:GH#510` / `ref:GL#7` (aidevops, todo.txt-style fields) and `GH-510`, GitHub's own short
form of `#510`.

Each names its kind of tracker, so it links a task only in a project on that tracker (`ref:GL#7`
is no reference for a GitHub project). `GH-510` has the shape of a task ID (`ABC-123`): where
the plan defines a task of that ID, the token is that task, not an issue (`without_task_ids`).
The reader leaves such a reference in the title as written: it never changes a task's title
or key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from plansync.model.plan import IssueRef, Task

_TRACKERS = {"GH": "github", "GL": "gitlab"}
# `ref:GH#510` as a whole word; `xref:GH#5` and `ref:GH#5x` are none.
_TOOL_REF = re.compile(r"(?<![\w:/.-])ref:(?P<tracker>G[HL])#(?P<number>\d+)(?![\w-])")
# `GH-510`, not glued to a word, a path or a longer ID (`XGH-5`, `a/GH-5`, `GH-5-2`, `GH-5.1`).
_GITHUB_SHORT = re.compile(r"(?<![\w/#&.-])GH-(?P<number>\d+)(?![\w-]|\.\d)")


def link_forms(text: str) -> Iterator[tuple[int, IssueRef]]:
    """Each `ref:GH#N`, `ref:GL#N` and `GH-N` of the (plain) text, with where it starts."""
    if "ref:G" in text:  # most lines hold neither form: no scan for them
        for match in _TOOL_REF.finditer(text):
            yield match.start(), tool_reference(match.group())
    if "GH-" in text:
        for match in _GITHUB_SHORT.finditer(text):
            yield match.start(), IssueRef(int(match["number"]), match.group(), tracker="github")


def tool_reference(token: str) -> IssueRef:
    """The reference a `ref:GH#510` / `ref:GL#7` token names (the caller matched its shape)."""
    head, _, number = token.partition("#")
    return IssueRef(int(number), token, tracker=_TRACKERS[head.removeprefix("ref:")])


def is_link_form(ref: IssueRef) -> bool:
    """Whether the reference is one of these forms (it names a tracker and is no URL)."""
    return ref.url is None and ref.tracker is not None


def claim_keys(refs: Iterable[IssueRef]) -> list[tuple[str | None, int]]:
    """The keys by which a milestone heading's issue list claims a task with these references
    (`#N`, `owner/repo#N`): never these forms, which link a task to its issue and change
    nothing else of it, its milestone and key included."""
    return [(r.repo, r.number) for r in refs if not is_link_form(r)]


def without_task_ids(tasks: tuple[Task, ...]) -> tuple[Task, ...]:
    """The tasks without the `GH-N` references that name a task ID of the same plan: there the
    token is the task, as the plan defines it (its own line's ID included)."""
    ids = {task.id for task in tasks if task.id is not None}
    if not any(r.text in ids for task in tasks for r in task.issue_refs if is_link_form(r)):
        return tasks
    return tuple(
        replace(
            task,
            issue_refs=tuple(r for r in task.issue_refs if not (is_link_form(r) and r.text in ids)),
        )
        for task in tasks
    )

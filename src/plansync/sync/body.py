"""plansync's block in an issue body: what it holds, how it is found, how it is put back.

The block sits between `BODY_START` and `BODY_END` and is owned by plansync: the task's
description, its estimate, priority and dependencies, where it is planned, and the hidden task
marker. Whatever a person writes around it is never touched. Rendering is deterministic (same
input, same text) because the engine compares the rendered block with the one on the tracker to
decide whether the issue needs an update.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

from plansync.model.changeset import Action, BodySpec, Changeset, UpdateIssue
from plansync.model.remote import RemoteIssue
from plansync.model.sync import Notice
from plansync.planfile.edit_escape import escape_inline
from plansync.state.base import BlockRef
from plansync.summary.guard import kept_block
from plansync.trackers.markers import find_marker

__all__ = [
    "BODY_END",
    "BODY_START",
    "BodySpec",
    "block_text",
    "keep_edited_blocks",
    "managed_block",
    "render_body_block",
    "splice",
]

BODY_START = "<!-- plansync:body -->"
BODY_END = "<!-- /plansync:body -->"

_NEWLINE = re.compile(r"\r\n|\r")
# Characters that would start markdown syntax in a line of plain text (a path, a label).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>])")
# Characters that would end or break a link destination written in `(...)`.
_URL_BREAKERS = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}
_BACKTICKS = re.compile(r"`+")


def render_body_block(spec: BodySpec, dependency_numbers: Mapping[str, int]) -> str:
    """The block for `spec`, markers included, lines joined with `\\n`.

    Dependencies found in `dependency_numbers` are written as issue references (`#12`), the
    others by their label with `(no issue yet)`. Lines with nothing to say are left out.
    Raises ValueError when `spec.marker` is not a plansync task marker on one line.
    """
    if "\n" in spec.marker or "\r" in spec.marker or find_marker(spec.marker) is None:
        raise ValueError(
            f"The hidden marker {spec.marker!r} for task {spec.task_label!r} is not a plansync "
            "task marker (`<!-- plansync:task=KEY -->` on one line); build it with "
            "trackers.markers.task_marker."
        )
    lines = [BODY_START]
    description = _description(spec.description)
    if description:
        lines += [description, ""]
    facts = [
        f"**{name}:** {escape_inline(value).strip()}"
        for name, value in (("Estimate", spec.estimate), ("Priority", spec.priority))
        if value is not None and value.strip()
    ]
    if facts:
        lines.append(" · ".join(facts))
    if spec.depends_on:
        lines.append("**Depends on:** " + _dependencies(spec.depends_on, dependency_numbers))
    lines.append(f"**Plan:** {_plan_reference(spec)} · task {_code_span(spec.task_label)}")
    lines += ["", spec.marker, BODY_END]
    return "\n".join(lines)


def managed_block(body: str | None) -> str | None:
    """The block found in an issue body, markers included, or None when it has none.

    Line endings inside the block are read as `\\n`, so a block a tracker returns with `\\r\\n`
    compares equal to `render_body_block`'s output. A body with `BODY_START` but no `BODY_END` (the
    end was deleted by hand) has a block running to the end of the body, as `splice` treats it.
    """
    span = _block_span(body or "")
    if span is None:
        return None
    start, end = span
    return _NEWLINE.sub("\n", (body or "")[start:end])


def splice(body: str | None, block: str) -> str:
    """`body` with its block replaced by `block`; every character outside the markers is kept.

    A body without a block gets it appended after a blank line (written with the body's own
    line ending); an empty or blank body becomes the block. When the body holds `BODY_START`
    but no `BODY_END`, everything from `BODY_START` to the end of the body is replaced: that
    text was plansync's block whose end was cut, and appending a second block would leave two
    markers for the same task. Raises ValueError when `block` is not one well-formed block.
    """
    if not (
        block.startswith(BODY_START)
        and block.endswith(BODY_END)
        and block.count(BODY_START) == 1
        and block.count(BODY_END) == 1
    ):
        raise ValueError(
            "The text to put in the issue body is not one plansync block: it must start with "
            f"{BODY_START!r}, end with {BODY_END!r} and hold each marker once; build it with "
            "render_body_block."
        )
    text = body or ""
    span = _block_span(text)
    if span is not None:
        start, end = span
        return text[:start] + block + text[end:]
    if not text.strip():
        return block
    newline = "\r\n" if "\r\n" in text else "\n"
    trailing = len(text) - len(text.rstrip("\r\n"))
    ending = text[len(text) - trailing :]
    breaks = ending.count("\n") + ending.replace("\r\n", "").count("\r")
    return text + newline * max(0, 2 - breaks) + block


def block_text(body: str | None) -> str | None:
    """What lies between the block's markers (to the end of the body when `BODY_END` was
    cut), or None when the body has no block."""
    text = body or ""
    span = _block_span(text)
    if span is None:
        return None
    start, end = span
    inside = text[start + len(BODY_START) : end]
    return inside.removesuffix(BODY_END) if text.endswith(BODY_END, start, end) else inside


def keep_edited_blocks(
    changeset: Changeset,
    issues: Mapping[int, RemoteIssue],
    written: Mapping[BlockRef, frozenset[str]],
) -> None:
    """Take the body out of each update that would write over a block a person edited on the
    tracker (see `summary.guard`), and report it: the edit is kept, not reverted. The update's
    other fields still go."""
    actions: list[Action] = []
    for action in changeset.actions:
        issue = issues.get(action.number) if isinstance(action, UpdateIssue) else None
        if not isinstance(action, UpdateIssue) or action.body is None or issue is None:
            actions.append(action)
            continue
        inside = block_text(issue.body)
        recorded = written.get(BlockRef("body", str(action.number)), frozenset())
        kept = kept_block(inside, recorded) if inside is not None else None
        if kept is None:
            actions.append(action)
            continue
        changeset.notices.append(
            Notice(
                action.task,
                f"#{action.number}: plansync's block in the issue body (between "
                f"`{BODY_START}` and `{BODY_END}`) {kept.reason}, so plansync leaves it as it "
                "is and does not update it. Move that text out of the block, or delete the "
                "block (both markers and what lies between them) to let plansync write a "
                "fresh one.",
                action.number,
            )
        )
        # The base keeps the body it had: nothing is written.
        update = changeset.bases.get(action.task)
        body = managed_block(issue.body) or ""
        if update is not None:
            body = update.before.body if update.before else body
            changeset.bases[action.task] = replace(update, after=replace(update.after, body=body))
        changed = tuple(name for name in action.changed if name != "body")
        if changed:
            fields = replace(action.fields, body=body)
            why = f"{action.why}; the body is kept: edited on the tracker"
            actions.append(replace(action, changed=changed, body=None, fields=fields, why=why))
    changeset.actions = actions


def _block_span(body: str) -> tuple[int, int] | None:
    start = body.find(BODY_START)
    if start < 0:
        return None
    end = body.find(BODY_END, start + len(BODY_START))
    return (start, len(body)) if end < 0 else (start, end + len(BODY_END))


def _neutralised(text: str) -> str:
    # `&lt;!--` and `--&gt;` render as `<!--` and `-->` but open or close no comment, so plan
    # text can neither hide the rest of the body nor end plansync's block early.
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _description(text: str) -> str:
    """The description as the plan has it, with `\\n` line endings, no blank lines around it
    and no comment marks."""
    lines = _NEWLINE.sub("\n", text).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return _neutralised("\n".join(lines))


def _dependencies(depends_on: tuple[str, ...], numbers: Mapping[str, int]) -> str:
    parts = []
    for label in dict.fromkeys(depends_on):  # a dependency written twice is listed once
        number = numbers.get(label)
        if number is not None:
            parts.append(f"#{number}")
        else:
            parts.append(f"{_plain(label)} (no issue yet)")
    return ", ".join(parts)


def _plain(text: str) -> str:
    """Plan text on one line, shown as written: no comment marks, markdown syntax escaped."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", escape_inline(text).strip())


def _plan_reference(spec: BodySpec) -> str:
    return _plan_link(spec.plan_path, spec.plan_url)


@lru_cache(maxsize=64)
def _plan_link(path: str, url: str | None) -> str:
    # The same for every task of a planfile: worked out once for all of its bodies.
    if url is None:
        return _plain(path)
    escaped = "".join(_URL_BREAKERS.get(char, char) for char in escape_inline(url).strip())
    return f"[{_plain(path)}]({escaped})"


def _code_span(text: str) -> str:
    """`text` as an inline code span: fenced by more backticks than any run inside it, with
    spaces inside the fence when it starts or ends with a backtick (CommonMark)."""
    flat = escape_inline(text).strip()
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0) if "`" in flat else 0
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"

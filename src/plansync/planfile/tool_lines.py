"""The task lines of planning tools, read field by field: what follows a checkbox in spec-kit,
Kiro, OpenSpec, aidevops (todo.txt-style fields) and ccpm epic files.

Each reader takes the plain text after the checkbox and returns the task's ID, title and
fields. The title is always a stretch of that text as written (the fields around it are left
out), so the editor finds it on the line when it retitles the task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.model.plan import Estimate, IssueRef
from plansync.planfile.fields import parse_estimate
from plansync.planfile.inline import plain
from plansync.planfile.items import split_metadata
from plansync.planfile.link_forms import tool_reference

# `(depends on T012, T013)`, `Depends on T009`, `depends on: T2 and T3`.
_DEPENDS = re.compile(
    r"\(?\b(?:depends on|blocked by|after)\b:?\s*(?P<ids>T\d{3,}(?:\s*(?:,|and|&)\s*T\d{3,})*)\)?",
    re.IGNORECASE,
)
_SPEC_KIT = re.compile(r"^(?P<id>T\d{3,})(?:\s+|$)(?P<tags>(?:\[[^\[\]]{1,20}\]\s*)*)(?P<rest>.*)$")
_TAG = re.compile(r"\[([^\[\]]{1,20})\]")
_STORY = re.compile(r"^US\d+$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?P<id>\d{1,3}(?:\.\d{1,3})*)[.:]?(?:\s+|$)(?P<rest>.*)$")
_AIDEVOPS_ID = re.compile(r"^(?P<id>t\d{2,}(?:\.\d+)*):?(?:\s+|$)(?P<rest>.*)$")
# One whitespace-separated token of a todo.txt-style line that is a field, not title text.
_FIELD_TOKEN = re.compile(
    r"^(?:~\d+(?:\.\d+)?[mhdw]|@[\w.-]+|#[A-Za-z][\w/-]*|[a-z][\w-]*:(?!//)\S+|\(\w+:[^)]*\)?)$"
)
_REF = re.compile(r"^ref:(?P<tracker>G[HL])#(?P<number>\d+)$")
_CCPM_FILE = re.compile(r"^(?P<id>\d{1,4})\.md\s*[-–—:]\s*(?P<rest>.*)$")
_CCPM_GROUP = re.compile(r"\s*\((?P<fields>[a-z_]+:\s*[^()]*)\)\s*$")


@dataclass
class LineTask:
    """What one tool line says of its task."""

    id: str | None
    title: str
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    estimate: Estimate | None = None
    assignees: tuple[str, ...] = ()
    issue_refs: tuple[IssueRef, ...] = ()


def _dependencies(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its dependency phrases, and the IDs they name."""
    found: list[str] = []
    for match in _DEPENDS.finditer(text):
        found += re.findall(r"T\d{3,}", match["ids"])
    first = _DEPENDS.search(text)
    title = text[: first.start()].rstrip(" ,;:.—–-") if first is not None else text
    return title, tuple(dict.fromkeys(found))


def spec_kit(text: str) -> LineTask | None:
    """`T001 [P] [US1] Create the album model (depends on T000)`."""
    match = _SPEC_KIT.match(text)
    if match is None:
        return None
    labels = []
    for tag in _TAG.findall(match["tags"]):
        tag = tag.strip()
        if tag.upper() == "P":
            labels.append("parallel")
        elif _STORY.match(tag):
            labels.append(f"story: {tag.upper()}")
        elif tag:
            labels.append(tag)
    title, depends = _dependencies(match["rest"].strip())
    return LineTask(match["id"], title.strip(), tuple(labels), depends)


def numbered(text: str) -> LineTask | None:
    """Kiro and OpenSpec: `2.1 Write the parser`, `1. Set up the project`."""
    match = _NUMBERED.match(text)
    if match is None or not match["rest"].strip():
        return None
    return LineTask(match["id"], match["rest"].strip())


def is_field_token(token: str) -> bool:
    """Whether a whitespace-separated token of a todo.txt-style line is a field (as written:
    `&#64;ann`, how plansync writes a title's `@ann`, is text)."""
    return bool(_FIELD_TOKEN.match(token))


def todo_fields(raw: str) -> LineTask:
    """aidevops / todo.txt: `t019.2 Sync script ~8h #sync @alice blocked-by:t019.1 ref:GH#510`.

    `raw` is the item's text as written (after the checkbox). The title runs up to the first
    field; `~8h` is the estimate, `@name` an owner, `#tag` a label, `blocked-by:` /
    `depends:` / `after:` name the tasks it waits for, and `ref:GH#510` / `ref:GL#7` link it
    to that existing issue. Other `key:value` fields (`logged:`, `risk:`) and a time breakdown
    `(ai:2h test:1h)` are kept out of the title.
    """
    task_id = None
    match = _AIDEVOPS_ID.match(raw)
    if match is not None:
        task_id, raw = match["id"], match["rest"]
    end = len(raw)
    labels: list[str] = []
    owners: list[str] = []
    depends: list[str] = []
    refs: list[IssueRef] = []
    estimate: Estimate | None = None
    in_group = False
    for token in re.finditer(r"\S+", raw):
        word = token.group()
        if in_group:
            in_group = not word.endswith(")")
            continue
        if not is_field_token(word):
            continue  # title text, or what follows a field (`→ [todo/PLANS.md#x]`)
        end = min(end, token.start())
        if word.startswith("(") and not word.endswith(")"):
            in_group = True
        elif word.startswith("~"):
            estimate = estimate or parse_estimate(word[1:])
        elif word.startswith("@"):
            owners.append(word[1:])
        elif word.startswith("#"):
            labels.append(word[1:])
        elif _REF.match(word) is not None:
            refs.append(tool_reference(word))
        else:
            key, _, value = word.partition(":")
            if key in ("blocked-by", "depends", "after"):
                depends += [v for v in value.split(",") if v]
    return LineTask(
        task_id,
        plain(raw[:end]).strip(),
        tuple(dict.fromkeys(labels)),
        tuple(dict.fromkeys(depends)),
        estimate,
        tuple(dict.fromkeys(owners)),
        tuple(refs),
    )


def ccpm_epic(text: str) -> LineTask | None:
    """`001.md - Set up the schema (parallel: true)` in an epic's task list."""
    match = _CCPM_FILE.match(text)
    if match is None:
        return None
    rest = split_metadata(match["rest"].strip())[0]  # `(#12)` after the fields: a link
    labels: list[str] = []
    group = _CCPM_GROUP.search(rest)
    if group is not None:
        rest = rest[: group.start()].rstrip()
        for part in group["fields"].split(","):
            key, _, value = part.partition(":")
            if key.strip() == "parallel" and value.strip().lower() == "true":
                labels.append("parallel")
    return LineTask(match["id"], rest, tuple(labels))

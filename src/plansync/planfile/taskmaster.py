"""A Taskmaster task export (`task_003.md` / `.txt`), read as one task and its subtasks:

    # Task ID: 3
    # Title: Wire the CLI
    # Status: in-progress
    # Dependencies: 1, 2
    # Priority: high
    # Subtasks:
    ## 1. Parse the arguments [done]
    ### Dependencies: None

The task stands on its `# Title:` line, each subtask on its `## N. ...` line (its ID is
`3.1`); a subtask's dependency on `2` means its sibling `3.2`.
"""

from __future__ import annotations

import re

from plansync.model.plan import Task, TaskKind
from plansync.planfile.fields import parse_priority
from plansync.planfile.inline import clean_title
from plansync.planfile.issue_refs import issue_refs_in
from plansync.planfile.items import split_metadata
from plansync.planfile.sections import Sections
from plansync.planfile.status_words import read_status
from plansync.planfile.structure import Outline

_FIELD = re.compile(r"^(?P<name>[A-Za-z ]{2,20}):\s*(?P<value>.*)$")
_SUBTASK = re.compile(
    r"^(?P<number>\d+(?:\.\d+)*)\.?\s+(?P<title>.*?)(?:\s*\[(?P<status>[\w -]+)\])?$"
)
_STATES = {"deferred": "deferred", "review": "in-review", "blocked": "blocked"}


def _dependencies(value: str, parent: str | None) -> tuple[str, ...]:
    found: list[str] = []
    for token in re.findall(r"\d+(?:\.\d+)*", value):
        found.append(f"{parent}.{token}" if parent is not None and "." not in token else token)
    return tuple(found)


def _status(value: str) -> tuple[bool, str | None]:
    word = value.strip().lower()
    if word in _STATES:
        return False, _STATES[word]
    status = read_status(value)
    return bool(status.done), status.state


def taskmaster_tasks(outline: Outline, sections: Sections) -> tuple[Task, ...]:
    tasks: list[Task] = []
    main: dict[str, str] = {}
    main_line = 0
    subtask: dict[str, str] | None = None
    subtask_line = 0
    parent: str | None = None

    def close_subtask() -> None:
        if subtask is None or parent is None:
            return
        number = subtask["number"]
        done, state = _status(subtask.get("status", ""))
        tasks.append(
            Task(
                key="",
                title=subtask["title"],
                done=done,
                kind=TaskKind.HEADING,
                line=subtask_line,
                end_line=subtask_line,
                id=f"{parent}.{number}",
                section_path=sections.path(subtask_line),
                depends_on=_dependencies(subtask.get("dependencies", ""), parent),
                issue_refs=issue_refs_in(outline.line(subtask_line)),
                description=subtask.get("description", ""),
                state=state,
            )
        )

    for heading in outline.headings:
        text = clean_title(heading.text)
        if heading.level == 1:
            field = _FIELD.match(text)
            if field is None:
                continue
            name = field["name"].strip().lower()
            main[name] = field["value"].strip()
            if name == "title":
                main[name] = split_metadata(main[name])[0]
            if name == "title":
                main_line = heading.line
            if name == "task id":
                parent = field["value"].strip()
        elif heading.level == 2 and parent is not None:
            close_subtask()
            found = _SUBTASK.match(split_metadata(text)[0])
            subtask = None
            if found is not None:
                subtask_line = heading.line
                subtask = {"number": found["number"], "title": found["title"]}
                subtask["status"] = found["status"] or ""
        elif heading.level == 3 and subtask is not None:
            field = _FIELD.match(text)
            if field is not None:
                name = field["name"].strip().lower()
                if name in ("dependencies", "description", "status"):
                    subtask[name] = subtask.get(name) or field["value"].strip()
    close_subtask()
    if main_line and main.get("title"):
        done, state = _status(main.get("status", ""))
        tasks.insert(
            0,
            Task(
                key="",
                title=main["title"],
                done=done,
                kind=TaskKind.HEADING,
                line=main_line,
                end_line=main_line,
                id=parent,
                section_path=sections.path(main_line),
                priority=parse_priority(main.get("priority", "")),
                depends_on=_dependencies(main.get("dependencies", ""), None),
                issue_refs=issue_refs_in(outline.line(main_line)),
                description=main.get("description", ""),
                state=state,
            ),
        )
    return tuple(tasks)

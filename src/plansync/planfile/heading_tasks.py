"""Tasks defined by headings, with field lines under them:

    ### Task 3: Wire the CLI            ### TASK-010-001: ADX calculator
    - Owner: @ann                        **Estimate:** 4h
    - Status: Done                       Depends on: TASK-010-000

The heading names a task by a word (`Task`, `Story`, `User Story`, and `Tarea`, `Aufgabe`,
`Tâche`, `Tarefa`, `任务`, `タスク`, `Nhiệm vụ`, `Задача`) with a number, or by a task ID
(`TASK-010-001: ...`). The lines up to the next heading give its fields, labelled in English
or in those languages. A Taskmaster export (`# Task ID: 3` / `# Title: ...` / `# Status: ...`
with `## 1. Subtask [done]` headings) is read the same way, as one task and its subtasks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from plansync.model.plan import Estimate, IssueRef, PlanWarning, Priority, Task, TaskKind
from plansync.planfile.fields import parse_estimate, parse_people, parse_priority
from plansync.planfile.ids import IdMatcher, dependency_ids
from plansync.planfile.inline import clean_title, plain, strip_decoration
from plansync.planfile.issue_refs import issue_refs_in
from plansync.planfile.items import split_metadata
from plansync.planfile.sections import Sections
from plansync.planfile.status_words import read_status
from plansync.planfile.structure import Heading, Outline

_TASK_WORDS = (
    r"task|story|user story|tarea|historia(?: de usuario)?|aufgabe|t[âa]che|tarefa|"
    r"hist[óo]ria|nhi[ệe]m v[ụu]|задача|история"
)
_WORD_HEADING = re.compile(
    rf"^(?:{_TASK_WORDS})\s+(?P<number>\d+(?:\.\d+)*)\s*(?:[:：.)–—-]\s*|\s+)(?P<title>\S.*)$"
    rf"|^(?:{_TASK_WORDS})\s*[:：]\s*(?P<plain>\S.*)$",
    re.IGNORECASE,
)
_CJK_HEADING = re.compile(
    r"^(?:任务|タスク|任務)\s*(?P<number>[0-9０-９]+(?:\.\d+)*)?\s*[:：.、\s]\s*(?P<title>\S.*)$"
)
_FIELD = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?P<label>[^:：*_`|]{1,32}?)\s*(?:\*\*|__)?\s*[:：]"
    r"\s*(?:\*\*|__)?\s*(?P<value>.*?)\s*$"
)
_LABELS: dict[str, str] = {}
for _field, _names in (
    ("status", "status|state|estado|statut|stato|状态|狀態|状態|ステータス|trạng thái|статус"),
    (
        "owner",
        "owner|owners|assignee|assignees|assigned to|lead|responsable|responsables|"
        "verantwortlich|zuständig|responsável|dono|负责人|負責人|担当|担当者|người phụ trách|"
        "ответственный|исполнитель",
    ),
    (
        "estimate",
        "estimate|estimated|effort|duration|time|est|estimación|estimacion|esfuerzo|"
        "schätzung|aufwand|estimation|durée|estimativa|esforço|估算|预估|工时|見積もり|見積|工数|"
        "ước tính|thời gian|оценка|трудоёмкость",
    ),
    (
        "depends",
        "depends on|dependencies|dependency|blocked by|depende de|dependencias|"
        "abhängig von|abhängigkeiten|dépend de|dépendances|dependências|依赖|依賴|依存|"
        "phụ thuộc|зависит от|зависимости",
    ),
    (
        "priority",
        "priority|prioridad|priorität|priorité|prioridade|优先级|優先度|ưu tiên|приоритет",
    ),
    ("labels", "labels|label|tags|etiquetas|schlagworte|étiquettes|标签|ラベル|nhãn|метки"),
):
    for _name in _names.split("|"):
        _LABELS[_name] = _field


@dataclass
class HeadingFields:
    done: bool = False
    state: str | None = None
    estimate: Estimate | None = None
    priority: Priority | None = None
    assignees: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    issue_refs: tuple[IssueRef, ...] = ()
    description: str = ""


def field_of(line: str) -> tuple[str, str] | None:
    """`- **Owner:** @ann` -> (`owner`, `@ann`); None for a line that is no known field."""
    found = _FIELD.match(plain(line))
    if found is None:
        return None
    name = _LABELS.get(found["label"].strip().casefold())
    return (name, found["value"]) if name is not None else None


def read_heading_fields(lines: Iterable[str], matcher: IdMatcher) -> HeadingFields:
    found = HeadingFields()
    rest: list[str] = []
    for line in lines:
        parsed = field_of(line)
        if parsed is None:
            text = plain(line).strip().lstrip("-*+ ").strip()
            if text:
                rest.append(text)
            continue
        name, value = parsed
        if name == "status":
            status = read_status(value)
            found.done = bool(status.done)
            found.state = status.state
        elif name == "owner" and not found.assignees:
            found.assignees = parse_people(value)
        elif name == "estimate" and found.estimate is None:
            found.estimate = parse_estimate(value)
        elif name == "priority" and found.priority is None:
            found.priority = parse_priority(value)
        elif name == "depends":
            found.depends_on += dependency_ids(matcher, value)
        elif name == "labels" and not found.labels:
            found.labels = tuple(t.strip() for t in value.split(",") if t.strip())
    found.description = "\n".join(rest)
    return found


@dataclass(frozen=True)
class HeadingTask:
    heading: Heading
    id: str | None
    title: str


# What a task heading holds somewhere: a task word, or an ID's capitals and hyphen. Headings
# without it are passed over before the work of reading them.
_MAYBE = re.compile(rf"(?i:{_TASK_WORDS}|任务|タスク|任務)|[A-Z]-\d|[A-Z]{{2,}}[A-Z0-9]*-")


def task_heading(heading: Heading, matcher: IdMatcher) -> HeadingTask | None:
    """The task a heading defines, or None."""
    if _MAYBE.search(heading.text) is None:
        return None
    text = clean_title(heading.text)
    found = _WORD_HEADING.match(text) or _CJK_HEADING.match(text)
    if found is not None:
        title = found["title"] if found["title"] is not None else found.groupdict().get("plain")
        if not title:
            return None
        # `Task 1: OPS-9: Wire the CLI` names its ID as an ID item does (`- OPS-9: Wire`):
        # the title is what follows it, as plansync writes a new title beside the ID.
        return _led_by_id(heading, title, matcher) or HeadingTask(heading, None, title)
    return _led_by_id(heading, text, matcher)


def _led_by_id(heading: Heading, text: str, matcher: IdMatcher) -> HeadingTask | None:
    """`OPS-9: Wire the CLI` -> the task OPS-9, titled `Wire the CLI`; None for text that does
    not start with an ID and a separator before more text."""
    lead = matcher.leading(text)
    if lead is not None and lead.strength >= 2:
        rest = re.sub(r"^\s*[:：.–—-]\s*", "", text[lead.end :])
        if rest != text[lead.end :] and rest:
            return HeadingTask(heading, lead.id, rest)
    return None


def _lines_under(
    outline: Outline, sections: Sections, line: int, taken: frozenset[int]
) -> list[str]:
    """The lines between the heading and the next heading, without those of other tasks."""
    index = sections.innermost(line)
    end = sections.sections[index].end_line if index is not None else line
    following = [s.line for s in sections.sections if line < s.line <= end]
    stop = min(following) - 1 if following else end
    return [outline.line(n) for n in range(line + 1, stop + 1) if n not in taken]


def heading_task(
    found: HeadingTask,
    outline: Outline,
    sections: Sections,
    matcher: IdMatcher,
    taken: frozenset[int] = frozenset(),
) -> Task:
    """The task the heading defines; `taken`: lines of other tasks, which give it nothing."""
    line = found.heading.line
    fields = read_heading_fields(_lines_under(outline, sections, line, taken), matcher)
    title, estimate, priority = split_metadata(found.title)
    return Task(
        key="",
        title=strip_decoration(title),
        done=fields.done,
        kind=TaskKind.HEADING,
        line=line,
        end_line=line,
        id=found.id,
        milestone=sections.milestone(line),
        section_path=sections.path(line)[:-1],  # the sections around its heading
        estimate=fields.estimate or estimate,
        priority=fields.priority or priority,
        assignees=fields.assignees,
        labels=fields.labels,
        depends_on=tuple(d for d in dict.fromkeys(fields.depends_on) if d != found.id),
        issue_refs=issue_refs_in(outline.line(line)),
        description=fields.description,
        state=fields.state,
    )


def with_heading_tasks(
    tasks: tuple[Task, ...], outline: Outline, sections: Sections, matcher: IdMatcher
) -> tuple[Task, ...]:
    """The tasks with those that headings define: a heading already read as a mention of its
    ID becomes that task, with the fields under it. Criteria headings define none."""
    by_line = {t.line: t for t in tasks}
    taken = frozenset(n for t in tasks for n in range(t.line, t.end_line + 1))
    added: list[Task] = []
    for heading in outline.headings:
        if sections.in_criteria(heading.line):
            continue
        found = task_heading(heading, matcher)
        if found is None:
            continue
        existing = by_line.get(heading.line)
        if existing is not None and not existing.from_mention:
            continue
        if _defined_elsewhere([*by_line.values(), *added], heading.line, found.id) is not None:
            continue  # the task of that ID is read where it was; `duplicate_heading_ids` says so
        task = heading_task(found, outline, sections, matcher, taken)
        if existing is not None:
            by_line[heading.line] = replace(task, id=existing.id or task.id)
        else:
            added.append(task)
    return tuple(sorted((*by_line.values(), *added), key=lambda t: t.line))


def _defined_elsewhere(tasks: Iterable[Task], line: int, task_id: str | None) -> int | None:
    """The line of the first task, not on `line`, whose ID is `task_id`."""
    if task_id is None:
        return None
    return next((t.line for t in tasks if t.id == task_id and t.line != line), None)


def duplicate_heading_ids(
    tasks: tuple[Task, ...], outline: Outline, sections: Sections, matcher: IdMatcher, where: str
) -> list[PlanWarning]:
    """A duplicate-id warning for each heading that would define a task whose ID a task on
    another line defines: that task keeps the ID wherever the heading stands, so which one is
    the task does not depend on their order (see `with_heading_tasks`)."""
    warnings: list[PlanWarning] = []
    for heading in outline.headings:
        if sections.in_criteria(heading.line):
            continue
        found = task_heading(heading, matcher)
        other = _defined_elsewhere(tasks, heading.line, found.id if found else None)
        if found is None or other is None:
            continue
        warnings.append(
            PlanWarning(
                "duplicate-id",
                f"{where}:{heading.line}: {found.id} is defined by this heading and by the task "
                f"on line {other}, which is the task; the heading is read as a section only. "
                "Give one of them a new ID.",
                heading.line,
            )
        )
    return warnings

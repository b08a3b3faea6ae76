"""Words of task tables in the languages plans are written in: the column headers the reader
knows, placeholder rows, and owner cells naming several people.
"""

from __future__ import annotations

import re

from plansync.planfile.fields import parse_people

# Header words (lower-case; matched as whole words, or as the start of a CJK header).
TABLE_WORDS: dict[str, frozenset[str]] = {
    "title": frozenset(
        {
            "tarea",
            "tareas",
            "historia",
            "entregable",
            "aufgabe",
            "aufgaben",
            "arbeitspaket",
            "tâche",
            "tâches",
            "livrable",
            "tarefa",
            "tarefas",
            "entregável",
            "nhiệm",
            "việc",
            "задача",
            "задачи",
            "任务",
            "任務",
            "タスク",
            "项目",
            "作業",
        }
    ),
    "status": frozenset(
        {
            "estado",
            "statut",
            "stato",
            "situação",
            "trạng",
            "статус",
            "состояние",
            "状态",
            "狀態",
            "状態",
            "ステータス",
            "进度",
            "進捗",
        }
    ),
    "assignee": frozenset(
        {
            "responsable",
            "responsables",
            "verantwortlich",
            "zuständig",
            "responsável",
            "dono",
            "người",
            "ответственный",
            "исполнитель",
            "负责人",
            "負責人",
            "担当",
            "担当者",
        }
    ),
    "estimate": frozenset(
        {
            "estimación",
            "esfuerzo",
            "schätzung",
            "aufwand",
            "estimation",
            "durée",
            "estimativa",
            "esforço",
            "ước",
            "оценка",
            "估算",
            "预估",
            "工时",
            "見積",
            "工数",
        }
    ),
    "priority": frozenset(
        {
            "prioridad",
            "priorität",
            "priorité",
            "prioridade",
            "ưu",
            "приоритет",
            "优先级",
            "優先度",
            "優先順位",
        }
    ),
}

_PLACEHOLDERS = frozenset({"-", "--", "—", "–", "…", "...", "tbd", "tba", "x", "?", "n/a", "todo"})


def is_placeholder(title: str) -> bool:
    """A title cell that holds a placeholder (`-`, `…`, `TBD`, `X`), not a task."""
    return title.strip().lower() in _PLACEHOLDERS


# Joining words between two owners in the languages above: `A y B`, `A und B`, `A et B`,
# `A e B`, `A и B`, `A và B`, `A、B`, `A和B`.
_JOINERS = re.compile(r"\s+(?:y|und|et|e|и|và)\s+|\s*[、和与]\s*")


def owners_in_cell(text: str) -> tuple[str, ...]:
    """The people an owner cell names: `@ann, @ben`, `ann + ben`, `Ana y Luis`, `@ann @ben`.

    Names separated only by spaces count when each is written as a mention (`@ann @ben`): a
    phrase such as `Test Suite Specialist` names nobody.
    """
    joined = _JOINERS.sub(", ", text.strip())
    people = parse_people(joined)
    if people:
        return people
    words = joined.split()
    if len(words) > 1 and all(w.startswith("@") for w in words):
        return parse_people(", ".join(words))
    return ()

"""What a status cell or `Status:` field says, in the languages and emoji plans use.

`read_status` returns whether the text says done (True), open (False) or nothing it knows
(None), and the state beyond open / done (`in-progress`, `blocked`, `dropped`) where it says
one. Text is matched by its first word or mark, case-insensitively; nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DONE = (
    "done", "complete", "completed", "closed", "finished", "shipped", "merged", "resolved",
    "hecho", "hecha", "terminado", "terminada", "completado", "completada", "listo", "lista",
    "erledigt", "fertig", "abgeschlossen", "terminé", "termine", "terminée", "fait", "faite",
    "concluído", "concluido", "concluída", "feito", "feita", "pronto", "pronta",
    "hoàn thành", "xong", "готово", "выполнено", "завершено", "сделано",
    "完成", "已完成", "完了", "済み", "済", "完了済み",
)  # fmt: skip
_IN_PROGRESS = (
    "in progress", "in-progress", "wip", "started", "ongoing", "doing", "active",
    "en curso", "en progreso", "en proceso", "in arbeit", "läuft", "en cours",
    "em andamento", "em progresso", "đang làm", "đang thực hiện", "в работе", "в процессе",
    "进行中", "進行中", "対応中", "作業中",
)  # fmt: skip
_OPEN = (
    "todo", "to do", "to-do", "open", "pending", "planned", "not started", "backlog", "new",
    "pendiente", "por hacer", "offen", "geplant", "à faire", "a faire", "prévu",
    "pendente", "a fazer", "chưa làm", "chưa bắt đầu", "к выполнению", "запланировано",
    "待办", "未开始", "未着手", "未対応",
)  # fmt: skip
_BLOCKED = ("blocked", "bloqueado", "blockiert", "bloqué", "bị chặn", "заблокировано", "阻塞")
_DROPPED = (
    "dropped", "cancelled", "canceled", "won't do", "wontfix", "declined", "cancelado",
    "cancelada", "abgebrochen", "verworfen", "annulé", "abandonné", "hủy", "отменено",
    "已取消", "取消", "中止",
)  # fmt: skip
_MARKS: dict[str, tuple[bool, str | None]] = {
    "✅": (True, None), "✔": (True, None), "☑": (True, None), "✓": (True, None),
    "🟢": (True, None), "[x]": (True, None), "[X]": (True, None),
    "🟡": (False, "in-progress"), "🚧": (False, "in-progress"), "⏳": (False, "in-progress"),
    "🔄": (False, "in-progress"), "🔴": (False, "blocked"), "⛔": (False, "blocked"),
    "❌": (True, "dropped"), "⬜": (False, None), "☐": (False, None), "[ ]": (False, None),
}  # fmt: skip


@dataclass(frozen=True)
class Status:
    done: bool | None
    state: str | None = None


def _table(words: tuple[str, ...], done: bool, state: str | None) -> dict[str, Status]:
    return {w.casefold(): Status(done, state) for w in words}


_WORDS: dict[str, Status] = (
    _table(_DONE, True, None)
    | _table(_IN_PROGRESS, False, "in-progress")
    | _table(_OPEN, False, None)
    | _table(_BLOCKED, False, "blocked")
    | _table(_DROPPED, True, "dropped")
)
_LONGEST = max(len(w) for w in _WORDS)
_SEPARATOR = re.compile(r"[\s.,;:!()/|*_`~-]")


def read_status(text: str) -> Status:
    """`✅ Done`, `Erledigt`, `進行中`, `🟡 WIP` -> its Status; `Status(None)` when unknown."""
    stripped = text.strip()
    for mark, (done, state) in _MARKS.items():
        if stripped.startswith(mark):
            return Status(done, state)
    folded = stripped.casefold()
    # The longest known word or phrase the text starts with, ending at a separator.
    for size in range(min(len(folded), _LONGEST), 0, -1):
        found = _WORDS.get(folded[:size])
        if found is not None and (size == len(folded) or _SEPARATOR.match(folded[size])):
            return found
        if found is not None and not folded[:size].isascii():
            return found  # CJK and the like are not separated by spaces
    return Status(None)

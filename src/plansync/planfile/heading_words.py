"""The words that make a heading a milestone or a criteria section, in the languages plans are
written in. Only regular-expression text lives here; `rules` compiles it.

A milestone heading names one phase, week, sprint, stage, milestone, iteration or release: the
word followed by a number, a Roman numeral or a name after a colon (`Phase 2`, `Sprint 4:
Billing`, `Fase 1`, `Woche 3`, `Étape 2`, `第一周`, `フェーズ1`, `Tuần 2`, `Этап 3`), or a
version (`v1.3: Automation`, `` `v2.0` ``, `Release 2.1`). A heading that only contains such a
word (`Phases`, `Next milestone ideas`, `Implementation for release command`) is none.
"""

from __future__ import annotations

# Words written before their number, in Latin or Cyrillic script (matched case-insensitively).
_WORDS_BEFORE = (
    # English
    r"phases?|weeks?|milestones?|sprints?|stages?|iterations?|releases?",
    # Spanish, Portuguese
    r"fases?|semanas?|etapas?|hitos?|marcos?|iteraci[oó]n|itera[cç][aã]o|versi[oó]n|vers[aã]o",
    # German
    r"wochen?|meilensteine?|phasen?|etappen?|stufen?",
    # French
    r"[ée]tapes?|semaines?|jalons?|it[ée]rations?",
    # Vietnamese
    r"tu[ầa]n|giai\s+đo[ạa]n|c[ộo]t\s+m[ốo]c|đợt",
    # Russian
    r"этап|недел[яи]|фаза|спринт|веха|итерация|релиз",
)
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|zero"
_ORDINAL = rf"(?:v?\d+(?![\w.-]*[a-z]{{2}})|[ivx]+|{_NUMBER_WORDS})"
# `Phase 2`, `Weeks 1-3`, `Stage IV`, `Phase: Foundation`, `Fase 1 —`.
MILESTONE_WORD_PATTERN = (
    rf"(?<![\w-])(?:{'|'.join(_WORDS_BEFORE)})\s*(?:#\s*)?{_ORDINAL}(?:\b|$)"
    rf"|^(?:{'|'.join(_WORDS_BEFORE)})\s*[:：—–]\s*\S"
)
_CJK_NUMBER = r"[0-9０-９一二三四五六七八九十百]+"
# `第一周`, `第2阶段`, `阶段一`, `フェーズ1`, `第3週`, `週1`, `里程碑 2`, `スプリント2`.
CJK_MILESTONE_PATTERN = (
    rf"第\s*{_CJK_NUMBER}\s*(?:周|週|阶段|階段|期|个?里程碑|段階|フェーズ|次?迭代|轮|スプリント)"
    rf"|(?:阶段|階段|里程碑|迭代|冲刺|フェーズ|段階|週|周|マイルストーン|スプリント)"
    rf"\s*[:：]?\s*{_CJK_NUMBER}"
)
# `v1.3: Automation`, `` `v2.0` ``, `1.0 — MVP` is not (a numbered heading).
VERSION_PATTERN = r"^v\d+(?:\.\d+)*(?:\s*$|\s*[:：—–-]\s*|\s+\S)"

CRITERIA_WORDS = (
    r"\bdefinition of done\b",
    r"\bacceptance criteria\b",
    r"\bsuccess criteria\b",
    r"\bsuccess metrics\b",
    r"^dod\b",
    r"\bcriterios de (?:aceptaci[oó]n|[eé]xito)\b",
    r"\bcrit[ée]rios de aceita[cç][aã]o\b",
    r"\bakzeptanzkriterien\b",
    r"\bcrit[èe]res d'acceptation\b",
    r"\bdefinici[oó]n de (?:hecho|terminado)\b",
    r"验收标准|验收条件|受け入れ基準|受入基準|完了条件",
    r"tiêu chí chấp nhận|критерии при[её]мки",
)

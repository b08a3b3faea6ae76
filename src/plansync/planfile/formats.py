"""Which planning tool's shape a planfile is written in, judged from its lines in one pass.

- `spec-kit`: `- [ ] T001 [P] [US1] Create the model` (GitHub spec-kit `tasks.md`).
- `kiro`: `- [ ] 2.1 Write the parser`, optional `- [ ]* 2.2 ...`, `_Requirements: 1.2_` lines.
- `openspec`: `## 1. Implementation` headings over `- [ ] 1.1 Create the schema` items.
- `aidevops`: todo.txt-style inline fields: `- [ ] t019.2 Sync script ~8h #sync @alice
  blocked-by:t019.1 ref:GH#510`.
- `ccpm`: an epic or task file of Claude Code PM (front matter with `name`, `status`, `created`
  / `github` / `depends_on`).
- `backlog-md`: a Backlog.md task file (front matter with `id`, `title`, `status`).
- `taskmaster`: a Taskmaster task export (`# Task ID: 3`, `# Title: ...`, `# Status: ...`).
- `generic`: anything else, read by the general rules.

A format needs more than one telling line, so a generic plan that happens to hold one such
line reads as before.
"""

from __future__ import annotations

import re
from dataclasses import replace

from plansync.planfile.front_matter import FrontMatter
from plansync.planfile.rules import CompiledRules

GENERIC = "generic"
FORMATS = (
    GENERIC, "spec-kit", "kiro", "openspec", "aidevops", "ccpm", "backlog-md", "taskmaster",
)  # fmt: skip

_CHECKBOX = r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX~/-]\]\*?[ \t]+"
_SPEC_KIT = re.compile(_CHECKBOX + r"T\d{3,}(?:[ \t]|$)")
_SPEC_KIT_TAG = re.compile(_CHECKBOX + r"T\d{3,}[ \t]+\[(?:P|US\d+)\]")
_NUMBERED = re.compile(_CHECKBOX + r"\d{1,3}(?:\.\d{1,3})*[.:]?[ \t]+\S")
_DOTTED = re.compile(_CHECKBOX + r"\d{1,3}\.\d{1,3}(?:\.\d{1,3})*[.:]?[ \t]+\S")
_KIRO_OPTIONAL = re.compile(r"^[ \t]*[-*+][ \t]+\[[ xX]\]\*[ \t]+\d")
_KIRO_REQUIREMENTS = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?_?(?:Requirements|_Requirements):", re.I)
_OPENSPEC_HEADING = re.compile(r"^#{2,3}[ \t]+\d{1,3}\.[ \t]+\S")
_AIDEVOPS_ID = re.compile(_CHECKBOX + r"t\d{2,}(?:\.\d+)*:?(?:[ \t]|$)")
_AIDEVOPS_FIELD = re.compile(
    r"(?<!\S)(?:~\d+(?:\.\d+)?[mhdw]|blocked-by:\S|depends:\S|after:\S|ref:G[HL]#\d|"
    r"logged:\d|started:\d|completed:\d|actual:\d)"
)
_TASKMASTER = re.compile(r"^#[ \t]+Task ID:[ \t]*\d+", re.I)


def detect_format(lines: list[str], front: FrontMatter | None) -> str:
    """The format's name (see the module's docstring), `generic` when none fits."""
    if front is not None:
        keys = set(front.fields)
        if {"id", "title", "status"} <= keys:
            return "backlog-md"
        if {"name", "status"} <= keys and keys & {"created", "github", "depends_on", "prd"}:
            return "ccpm"
    first = next((line for line in lines if line.strip()), "")
    if _TASKMASTER.match(first):
        return "taskmaster"
    spec_kit = tagged = numbered = dotted = optional = requirements = headings = 0
    aidevops_ids = aidevops_fields = 0
    for line in lines:
        if "[" in line:
            if _SPEC_KIT.match(line):
                spec_kit += 1
                tagged += bool(_SPEC_KIT_TAG.match(line))
            elif _NUMBERED.match(line):
                numbered += 1
                dotted += bool(_DOTTED.match(line))
                optional += bool(_KIRO_OPTIONAL.match(line))
            elif _AIDEVOPS_ID.match(line):
                aidevops_ids += 1
            if _AIDEVOPS_FIELD.search(line) and re.match(_CHECKBOX, line):
                aidevops_fields += 1
        elif line.startswith("#") and _OPENSPEC_HEADING.match(line):
            headings += 1
        elif "equirements" in line and _KIRO_REQUIREMENTS.match(line):
            requirements += 1
    if spec_kit >= 2 or (spec_kit and tagged):
        return "spec-kit"
    if numbered >= 2 and (requirements or optional):
        return "kiro"
    if dotted >= 2 and headings:
        return "openspec"
    if dotted >= 2:
        return "kiro"
    if aidevops_ids >= 2 or aidevops_fields >= 2 or (aidevops_ids and aidevops_fields):
        return "aidevops"
    return GENERIC


# OpenSpec groups its tasks under numbered headings (`## 1. Storage`): each is a milestone.
_OPENSPEC_MILESTONE = re.compile(r"^\d{1,3}\.\s+\S")


def with_format_milestones(rules: CompiledRules, format_name: str) -> CompiledRules:
    """The rules with the milestone headings the format adds."""
    if format_name == "openspec":
        return replace(rules, milestones=(*rules.milestones, _OPENSPEC_MILESTONE))
    return rules

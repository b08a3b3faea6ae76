"""Planfile bytes -> PlanDocument: the one entry point of the reader. Reading never writes.

The steps: decode the bytes (encoding, mojibake), read the block structure (markdown-it), the
sections, the task tables and the task items, then every mention of a task ID, and assemble one
task per ID or task-shaped row / item (see `assemble`, `occurrences`, `keys`).
"""

from __future__ import annotations

import errno
from pathlib import Path

from plansync.errors import PlanfileError
from plansync.gcpause import without_gc
from plansync.model.plan import PlanDocument, PlanWarning
from plansync.planfile.assemble import Assembler, outside_milestones
from plansync.planfile.decode import DecodedPlan, decode_plan, looks_mojibaked
from plansync.planfile.formats import detect_format, with_format_milestones
from plansync.planfile.front_matter import blank_front_matter, read_front_matter
from plansync.planfile.heading_tasks import duplicate_heading_ids
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import clean_title
from plansync.planfile.items import ItemReader, ItemTask
from plansync.planfile.lines import split_text_lines
from plansync.planfile.link_forms import without_task_ids
from plansync.planfile.occurrences import OccurrenceCollector, defining
from plansync.planfile.own_blocks import holds_plan_text
from plansync.planfile.rules import ReaderRules, compile_rules
from plansync.planfile.sections import read_sections
from plansync.planfile.structure import Outline, build_outline
from plansync.planfile.tables import TableTask, read_table
from plansync.planfile.tool_tasks import tool_tasks

__all__ = ["ReaderRules", "parse_decoded", "parse_plan", "read_plan", "read_plan_bytes"]

_FRONT_MATTER_PEEK = 20_000  # characters: front matter is read from the file's start only


def _encoding_warnings(decoded: DecodedPlan, outline: Outline, where: str) -> list[PlanWarning]:
    encoding = decoded.encoding
    code_page = encoding.mojibake
    # The outline's lines are the decoded text's (or blanked): none looks mis-encoded when
    # the decode saw none in the whole text.
    lines = () if decoded.no_mojibake_left else outline.lines
    damaged = next((n for n, text in enumerate(lines, start=1) if looks_mojibaked(text)), None)
    if code_page is not None and encoding.mojibake_lines:
        return [_partly_repaired(where, code_page, encoding.mojibake_lines, damaged)]
    warnings = []
    if code_page is not None:
        warnings.append(
            PlanWarning(
                "mojibake",
                f"{where}: the file is mis-encoded: its UTF-8 text was once read as {code_page} "
                "and saved again, so characters such as emoji are stored as mojibake. plansync "
                "reads the repaired text and leaves the bytes alone; run `plansync check "
                f"--fix-encoding {where}` to repair the file itself.",
            )
        )
    if damaged is not None:
        warnings.append(
            PlanWarning(
                "mojibake-partial",
                f"{where}:{damaged}: this text still looks mis-encoded and was not repaired "
                "(reverse-decoding it gives no cleaner text). Retype the damaged characters in "
                "an editor that saves UTF-8.",
                damaged,
            )
        )
    return warnings


def _partly_repaired(
    where: str, code_page: str, repaired: tuple[int, ...], damaged: int | None
) -> PlanWarning:
    if len(repaired) == 1:
        which = (
            f"line {repaired[0]} was once read as {code_page} and saved again; plansync reads it"
        )
    else:
        which = (
            f"{len(repaired)} lines (the first is line {repaired[0]}) were once read as "
            f"{code_page} and saved again; plansync reads them"
        )
    message = (
        f"only part of the file is mis-encoded: {which} repaired, line by line, and leaves the "
        "bytes alone. "
    )
    if damaged is not None:
        message += (
            f"Line {damaged} still looks mis-encoded and was not repaired: retype its damaged "
            "characters in an editor that saves UTF-8. "
        )
    line = damaged if damaged is not None else repaired[0]
    return PlanWarning(
        "mojibake-partial",
        f"{where}:{line}: {message}Run `plansync check --fix-encoding {where}` to rewrite "
        "the repaired lines as UTF-8 in the file itself.",
        line,
    )


def parse_plan(raw: bytes, path: Path, rules: ReaderRules | None = None) -> PlanDocument:
    """Read a planfile's bytes. `path` names the file in the document and in messages.

    Raises PlanfileError when the bytes are not UTF-8 (nor repairable mojibake) and ConfigError
    when a steering rule's pattern is not a valid regular expression.
    """
    return parse_decoded(decode_plan(raw, path), path, rules)


@without_gc
def parse_decoded(
    decoded: DecodedPlan, path: Path, rules: ReaderRules | None = None
) -> PlanDocument:
    """`parse_plan` of bytes already decoded (for a caller that needs the text as well)."""
    compiled = compile_rules(rules if rules is not None else ReaderRules())
    where = str(path)
    front = read_front_matter(split_text_lines(decoded.text[:_FRONT_MATTER_PEEK]))
    text = blank_front_matter(decoded.text, front)
    # A block between plansync's markers that holds headings or tasks is the plan's text.
    outline = build_outline(text, lambda inner: holds_plan_text(inner, rules))
    format_name = compiled.format or detect_format(outline.lines, front)
    sections = read_sections(outline, with_format_milestones(compiled, format_name))
    matcher = IdMatcher(compiled)
    warnings = _encoding_warnings(decoded, outline, where)

    rows: list[TableTask] = []
    for table in outline.tables:
        table_rows, table_warnings = read_table(table, matcher, where)
        rows += table_rows
        warnings += table_warnings

    reader = ItemReader(outline, sections, compiled, matcher)
    item_tasks: dict[int, ItemTask] = {}
    for item in outline.items:
        task = reader.read(item)
        if task is not None:
            item_tasks[id(item)] = task

    occurrences = OccurrenceCollector(outline, sections, matcher, item_tasks).collect(rows)
    assembler = Assembler(outline, sections, compiled, matcher, where)
    drafts = assembler.drafts(rows, item_tasks, occurrences, defining(occurrences))
    tasks = tool_tasks(assembler.tasks(drafts), format_name, outline, sections, matcher, front)
    tasks = without_task_ids(tasks)
    warnings += assembler.warnings
    if format_name != "taskmaster":
        warnings += duplicate_heading_ids(tasks, outline, sections, matcher, where)
    outside = outside_milestones(tasks, where)
    if outside is not None:
        warnings.append(outside)

    title = next((clean_title(h.text) for h in outline.headings if h.level == 1), None)
    return PlanDocument(
        path=path,
        title=title or None,
        encoding=decoded.encoding,
        sections=sections.sections,
        tasks=tasks,
        warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)),
        format=format_name,
    )


def read_plan_bytes(path: Path) -> bytes:
    """A planfile's bytes, opened read-only; PlanfileError naming the file when it cannot be."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise PlanfileError(f"{path}: no such planfile. Check the path and try again.") from exc
    except IsADirectoryError as exc:
        raise PlanfileError(f"{path}: is a folder; expected a planfile (.md).") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PlanfileError(
                f"{path}: the planfile is a symbolic link that leads back to itself "
                f"({exc.strerror}). Point the link at a plan file, or remove it."
            ) from exc
        raise PlanfileError(
            f"{path}: the planfile cannot be read ({exc.strerror}). Check its permissions."
        ) from exc


def read_plan(path: Path, rules: ReaderRules | None = None) -> PlanDocument:
    """Read the planfile at `path`. Opens it read-only: its bytes and mtime never change."""
    return parse_plan(read_plan_bytes(path), path, rules)

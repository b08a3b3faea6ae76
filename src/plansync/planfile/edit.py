"""Byte-exact edits of a task's line: pure functions from a file's bytes to its new bytes.

Markdown is never re-rendered. Each function rewrites one line, or one table cell of it (a
ragged row first gets the empty cells it lacks up to that one); every other byte stays as it was:
line endings, BOM, trailing spaces, tabs, and mojibake elsewhere.
Line numbers are 1-based and count lines of the raw bytes split on `\\r\\n`, `\\n` and a lone
`\\r` (the BOM belongs to no line). What a line becomes is worked out in `edit_table`,
`edit_link`, `edit_row` and `edit_title`; plansync's own block is edited by `edit_block`. An
edit of a table row stays inside one of its cells.

Text written on a line stored as mojibake (see `decode`: the whole file, or some of its lines)
is stored the way that line stores text, so no line mixes two encodings; lines in plain UTF-8
(and new lines of a partly mojibake file) get plain UTF-8. Text from trackers is escaped before
it is written (see `edit_escape`) so it cannot break a table row, a list item or the markers,
nor give a task an ID, and the reader reads back the text the tracker holds.

`PlanfileEditor` holds one file's lines and storage for all the edits of a run: it splits and
decodes the file once, so a run's edits cost time in proportion to the file, not to the file
times the edits. The module functions (`add_issue_link`, ...) make one edit on bytes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from plansync.errors import PlanfileError
from plansync.model.plan import TableRowLayout
from plansync.planfile import edit_html
from plansync.planfile.decode import Storage, as_stored, decode_plan, storage_of
from plansync.planfile.edit_escape import escape_inline, pulled_title_text
from plansync.planfile.edit_link import linked_item, linked_other_row, linked_row
from plansync.planfile.edit_reference import check_new_reference, reference_replaced
from plansync.planfile.edit_row import id_cell, table_rows_roles
from plansync.planfile.edit_table import cell_of, cells_of, unescaped_pipe_free, with_status
from plansync.planfile.edit_title import TitlePlace, cell_place, item_place, retitled
from plansync.planfile.html_tables import HtmlRow
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import strip_decoration
from plansync.planfile.item_line import CHECKBOX, is_done_mark
from plansync.planfile.items import split_metadata
from plansync.planfile.lines import split_ending, split_lines, strip_bom
from plansync.planfile.own_blocks import holds_plan_text
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules, compile_rules
from plansync.planfile.structure import build_outline

__all__ = [
    "PlanfileEditor",
    "add_issue_link",
    "replace_issue_reference",
    "set_checkbox",
    "set_table_status",
    "set_task_title",
]

_SPACE_RUN = re.compile(r"[ \t]+")
# An ATX heading's line, and the closing sequence of `#`s that ends its text (CommonMark).
_ATX_HEADING = re.compile(rb" {0,3}#{1,6}(?:[ \t]|\r?\n?$)")
_CLOSING_HASHES = re.compile(rb"[ \t]#+[ \t]*\r?\n?$")
# A line shaped like a table's delimiter row: `|---|:--:|`, `--- | ---`.
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


# ----------------------------------------------------------------------------------------------
# One file's edits

# An edit of one line: (line text without its ending, the line's mojibake) -> new line text.
_LineEdit = Callable[[str, str | None], str]
# An edit of one HTML table cell's text: (its line's text, where the cell's text lies) -> new text.
_CellEdit = Callable[[str, edit_html.CellText], str]


class PlanfileEditor:
    """One planfile's bytes under edit: split into lines and its storage worked out once, each
    edit rewriting one line in place (no edit adds or removes a line, so line numbers hold for
    the whole run), the bytes joined again only when asked for (`data`).

    An edit that raises ValueError leaves every line as it was. `storage` is how the file
    stores text (the reader's `PlanDocument.encoding` tells it: see `Storage.of_encoding`);
    without it the editor works it out from `raw`.

    A new title is checked to leave its line read with the ID it had. Given `ids_before` (the
    ID, or None, of the task the reader reads on each line of `raw`), those checks wait for
    `refused_titles`, which reads the file once for all of them; else each retitle reads the
    file before and after.
    """

    def __init__(
        self,
        raw: bytes,
        storage: Storage | None = None,
        rules: ReaderRules | None = None,
        ids_before: Mapping[int, str | None] | None = None,
        format_name: str | None = None,
    ) -> None:
        self.raw = raw
        self.rules = rules
        self._bom, body = strip_bom(raw)
        self._lines = split_lines(body)
        self._storage = storage
        self._roles: dict[int, TableRowLayout] | None = None
        self._ids: IdMatcher | None = None
        self._changed = False
        self._ids_before = ids_before
        self._format = format_name  # as the reader read `raw` (worked out when first needed)
        self._retitled: dict[int, bytes] = {}  # line -> its bytes before its first retitle
        self._html: dict[int, HtmlRow] | None = None

    @property
    def data(self) -> bytes:
        """The file's bytes with every edit made so far (`raw` itself when none changed it)."""
        if not self._changed:
            return self.raw
        return self._bom + b"".join(self._lines)

    # -- lines ---------------------------------------------------------------------------------

    def _text_of(self, line: int) -> tuple[str, bytes]:
        """Line `line`'s text (without its ending) and its ending."""
        if not 1 <= line <= len(self._lines):
            raise ValueError(
                f"Line {line} is outside the planfile, which has {len(self._lines)} lines; "
                "the file probably changed since it was read: read it again before editing."
            )
        body, ending = split_ending(self._lines[line - 1])
        try:
            return body.decode("utf-8"), ending
        except UnicodeDecodeError:
            raise ValueError(
                f"Line {line} of the planfile is not valid UTF-8, so it cannot be edited safely; "
                "save the file as UTF-8 and run plansync again."
            ) from None

    def _mojibake_of(self, line: int) -> str | None:
        if self._storage is None:
            self._storage = storage_of(self.raw)
        return self._storage.of_line(line)

    def _edited_line(self, line: int, edit: _LineEdit) -> bytes | None:
        """The new bytes of line `line` after `edit`, or None when the edit leaves it as it is."""
        text, ending = self._text_of(line)
        new_text = edit(text, self._mojibake_of(line))
        if new_text == text:
            return None
        return new_text.encode("utf-8") + ending

    def _edit_line(self, line: int, edit: _LineEdit) -> None:
        new_line = self._edited_line(line, edit)
        if new_line is not None:
            self._set_line(line, new_line)

    def _set_line(self, line: int, new_line: bytes) -> None:
        self._lines[line - 1] = new_line
        self._changed = True

    def _delimiter_cells_after(self, line: int) -> int | None:
        """How many cells the line after `line` has when it is shaped like a table's delimiter
        row; else None."""
        if not 0 <= line < len(self._lines):
            return None
        following = split_ending(self._lines[line])[0].decode("utf-8", "replace")
        return len(cells_of(following)) if _DELIMITER_ROW.match(following) else None

    def _other_row_roles(self, line: int, layout: TableRowLayout | None) -> TableRowLayout | None:
        """For a task that is no table row (`layout` None) on a line of a table, the roles the
        table's header gives its columns; else None. Only a line with a pipe is looked at."""
        if layout is not None:
            return None
        if not 1 <= line <= len(self._lines) or b"|" not in self._lines[line - 1]:
            return None
        if self._roles is None:
            # Edits keep every table's rows and header where they are: one reading serves all.
            try:
                text = decode_plan(self.raw, Path("planfile")).text
            except PlanfileError:
                self._roles = {}
            else:
                self._roles = table_rows_roles(text)
        return self._roles.get(line)

    def _html_row(self, line: int, layout: TableRowLayout | None) -> HtmlRow | None:
        """The row of an HTML `<table>` whose `<tr>` is on `line`, None when there is none.
        ValueError when there is one but the task is not read as its task (`layout` None)."""
        if self._html is None:
            # Edits keep every row's cells on their lines: one reading serves the whole run.
            text = ""  # no HTML table: no need to read the structure
            if b"<table" in self.raw.lower():
                with contextlib.suppress(PlanfileError):  # then no edit reads the tables
                    text = decode_plan(self.raw, Path("planfile")).text
            self._html = {
                row.line: row.html
                for table in build_outline(text, holds_plan_text).tables
                for row in table.rows
                if row.html is not None
            }
        row = self._html.get(line)
        if row is not None and layout is None:
            # A task the reader finds on such a row without reading it as a task row: its
            # edits would land on a line of HTML markup, outside any cell.
            raise ValueError(
                f"Line {line} is a row of an HTML table that is not read as a task row; "
                "plansync edits only the cells of HTML task rows, so it leaves the row alone."
            )
        return row

    def _edit_html_cell(
        self, line: int, row: HtmlRow, layout: TableRowLayout, role: str, edit: _CellEdit
    ) -> None:
        place = edit_html.cell_text(row, line, layout, role)

        def edit_line(text: str, mojibake: str | None) -> str:
            if mojibake is not None:
                raise ValueError(
                    f"Line {place.line} of the planfile is stored as mojibake; plansync does not "
                    "edit HTML table rows stored that way. Repair the file's encoding first."
                )
            return edit(text, place)

        self._edit_line(place.line, edit_line)

    # -- table rows and checkboxes -------------------------------------------------------------

    def set_table_status(self, line: int, layout: TableRowLayout, done: bool) -> None:
        """Write `Done` / `Todo` into the `status` cell of the table row on `line`."""

        html_row = self._html_row(line, layout)
        if html_row is not None:
            self._edit_html_cell(
                line,
                html_row,
                layout,
                "status",
                lambda text, place: edit_html.with_status(text, place, done),
            )
            return

        def edit(text: str, mojibake: str | None) -> str:
            return with_status(text, line, layout, done)

        self._edit_line(line, edit)

    def set_checkbox(self, line: int, done: bool) -> None:
        """Tick (`[x]`) or clear (`[ ]`) the checkbox of the list item on `line` (see the
        module function)."""

        def edit(text: str, mojibake: str | None) -> str:
            match = CHECKBOX.match(text)
            if match is None:
                raise ValueError(
                    f"Line {line} of the planfile has no task checkbox (`- [ ]` or `- [x]`) to "
                    "tick or clear; the file probably changed since it was read: read it again."
                )
            if is_done_mark(match.group(1)) == done:
                return text
            return text[: match.start(1)] + ("x" if done else " ") + text[match.end(1) :]

        self._edit_line(line, edit)

    # -- issue links ---------------------------------------------------------------------------

    def add_issue_link(
        self,
        line: int,
        link_text: str,
        layout: TableRowLayout | None,
        task_id: str | None = None,
    ) -> None:
        """Write a reference to the task's issue on `line` (see the module function)."""
        inline = _SPACE_RUN.sub(" ", escape_inline(link_text)).strip()
        if not inline:
            raise ValueError(f"The issue link for line {line} is empty; expected e.g. `#123`.")
        html_row = self._html_row(line, layout)
        if html_row is not None and layout is not None:
            role = edit_html.link_role(html_row, layout)
            self._edit_html_cell(
                line,
                html_row,
                layout,
                role,
                lambda text, place: edit_html.with_link(
                    text, place, inline, issue_cell=role == "issue"
                ),
            )
            return
        roles = self._other_row_roles(line, layout)
        in_cell = layout is not None or roles is not None
        delimiter_cells = self._delimiter_cells_after(line)
        reference = unescaped_pipe_free(inline) if in_cell else inline

        def edit(text: str, mojibake: str | None) -> str:
            stored = as_stored(reference, mojibake)
            if layout is not None:
                return linked_row(text, line, layout, stored, mojibake)
            if roles is not None:
                return linked_other_row(text, line, roles, stored, mojibake, task_id)
            return linked_item(text, line, stored, mojibake, delimiter_cells=delimiter_cells)

        self._edit_line(line, edit)

    def replace_issue_reference(
        self, line: int, old: str, new: str, layout: TableRowLayout | None
    ) -> None:
        """Replace the reference `old` on `line` by `new` where it stands apart from the title;
        a line that no longer holds it there gets `new` added as `add_issue_link` adds it (see
        `edit_reference`). Raises ValueError when `new` is not one issue reference."""
        check_new_reference(line, new)
        if 1 <= line <= len(self._lines):
            stored, ending = split_ending(self._lines[line - 1])
            try:
                text = stored.decode("utf-8")
            except UnicodeDecodeError:
                text = None  # add_issue_link says why the line cannot be edited
            if text is not None:
                edited = reference_replaced(text, line, old, new, layout, self._mojibake_of(line))
                if edited is not None:
                    if edited != text:
                        self._set_line(line, edited.encode("utf-8") + ending)
                    return
        self.add_issue_link(line, new, layout)

    # -- titles --------------------------------------------------------------------------------

    def set_task_title(
        self,
        line: int,
        old_title: str,
        new_title: str,
        layout: TableRowLayout | None,
        task_id: str | None = None,
    ) -> None:
        """Replace `old_title` on `line` by `new_title` (see the module function)."""
        if not old_title.strip():
            raise ValueError(
                f"The old title of the task on line {line} is empty; nothing to replace."
            )
        if not strip_decoration(split_metadata(pulled_title_text(new_title))[0]):
            # The reader would find no title there (`(2h)` is an estimate): the task would vanish.
            raise ValueError(
                f"The new title {new_title!r} for the task on line {line} reads as no title once "
                "written (it is empty, or only an estimate, a priority or a reference); the task "
                "keeps its title."
            )
        html_row = self._html_row(line, layout)
        if html_row is not None and layout is not None:
            self._retitle_html(line, html_row, layout, old_title, new_title)
            return
        roles = self._other_row_roles(line, layout)
        if self._ids is None:
            self._ids = IdMatcher(compile_rules(self.rules or ReaderRules()))
        ids = self._ids
        pipes = self._delimiter_cells_after(line) is not None

        def edit(text: str, mojibake: str | None) -> str:
            return retitled(
                text,
                mojibake,
                line=line,
                place=_title_place(text, line, layout, roles is not None, task_id),
                old_title=old_title,
                new_title=new_title,
                task_id=task_id,
                ids=ids,
                pipes=pipes,
                fields=self._reads_fields(),
            )

        new_line = self._edited_line(line, edit)
        if new_line is None:
            return
        if _closes_heading(self._lines[line - 1], new_line):
            raise ValueError(
                f"Line {line}: the new title {new_title!r} ends in `#`, which ends a heading's "
                "text: read back, the title would lose it, so the task keeps its title; change "
                "it by hand."
            )
        if self._ids_before is not None:
            self._retitled.setdefault(line, self._lines[line - 1])
            self._set_line(line, new_line)
            return
        before = self.data
        old_line = self._lines[line - 1]
        self._lines[line - 1] = new_line
        try:
            _check_same_task(before, self._bom + b"".join(self._lines), line, self.rules)
        except ValueError:
            self._lines[line - 1] = old_line
            raise
        self._changed = True

    def _retitle_html(
        self, line: int, row: HtmlRow, layout: TableRowLayout, old_title: str, new_title: str
    ) -> None:
        """A new title in an HTML row's title cell, checked at once to leave the row's task
        read with its ID (the cell may lie on another line than the task's)."""
        place = edit_html.cell_text(row, line, layout, "title")
        before = self.data
        old_line = self._lines[place.line - 1]
        self._edit_html_cell(
            line,
            row,
            layout,
            "title",
            lambda text, place: edit_html.retitled(text, place, line, old_title, new_title),
        )
        if self._lines[place.line - 1] == old_line:
            return
        try:
            _check_same_task(before, self._bom + b"".join(self._lines), line, self.rules)
        except ValueError:
            self._lines[place.line - 1] = old_line
            raise

    def _reads_fields(self) -> bool:
        """Whether the file reads todo.txt-style fields on its lines (`@ann`, `#sync`), so a
        new title's field-shaped words are written as text (see `edit_fields`)."""
        if self._format is None:
            self._format = parse_plan(self.raw, Path("planfile"), self.rules).format
        return self._format == "aidevops"

    def refused_titles(self) -> dict[int, str]:
        """The deferred title checks (see the class): each retitled line whose task the reader
        now reads with another ID (or not at all) gets back its bytes from before its first
        retitle, so every edit made on it since is undone too. When another line's task reads
        otherwise (a title can tip how the whole file reads, as a planning tool's format), every
        retitle is undone. Returns why, by line."""
        refused: dict[int, str] = {}
        before = self._ids_before or {}
        while self._retitled:
            now = _ids_by_line(self.data, self.rules)
            wrong = [
                line
                for line in self._retitled
                if line in before and (line not in now or now[line] != before[line])
            ]
            for line in wrong:
                refused[line] = _other_task_message(line, before[line], now, line in now)
            elsewhere = _read_otherwise(before, now, set(self._retitled))
            if elsewhere is not None:
                wrong = list(self._retitled)
                for line in wrong:
                    refused.setdefault(line, _elsewhere_message(line, elsewhere))
            if not wrong:
                break
            for line in wrong:
                self._lines[line - 1] = self._retitled.pop(line)
        self._retitled.clear()
        return refused


# ----------------------------------------------------------------------------------------------
# One edit on bytes


def set_table_status(raw: bytes, line: int, layout: TableRowLayout, done: bool) -> bytes:
    """Write `Done` / `Todo` into the `status` cell of the table row on `line`."""
    editor = PlanfileEditor(raw)
    editor.set_table_status(line, layout, done)
    return editor.data


def set_checkbox(raw: bytes, line: int, done: bool) -> bytes:
    """Tick (`[x]`) or clear (`[ ]`) the checkbox of the list item on `line`.

    Any list marker (`-`, `*`, `+`, `1.`, `1)`) and indent; `[X]` stays as it is when asked
    done. Only the character between the brackets changes.
    """
    editor = PlanfileEditor(raw)
    editor.set_checkbox(line, done)
    return editor.data


def add_issue_link(
    raw: bytes,
    line: int,
    link_text: str,
    layout: TableRowLayout | None,
    task_id: str | None = None,
) -> bytes:
    """Write a reference to the task's issue (`#123`, `group/proj#12` or a URL) on `line`.

    A list item gets ` (#123)` after its text, before its trailing HTML comments and hard
    break. A table row gets it inside a cell: its `issue` cell (alone in an empty one, after
    the references there, `#61, #123`, or beside other text, `Internal (#123)`), else at the
    end of its title cell; a ragged row gets the empty cells up to its issue cell first. A
    task the reader reads from a table row that is no task row (`layout` None; an ID in a row
    without a title) is linked in the table's issue column, else in the cell holding its ID
    (`task_id`). A line that already references the issue (as the reader reads references:
    `#2-4` holds `#3`) is returned unchanged.
    """
    editor = PlanfileEditor(raw)
    editor.add_issue_link(line, link_text, layout, task_id)
    return editor.data


def replace_issue_reference(
    raw: bytes, line: int, old: str, new: str, layout: TableRowLayout | None
) -> bytes:
    """The planfile `raw` with the reference `old` on `line` replaced by `new` (`#2` or
    `owner/repo#2`), where it stands apart from the title. A line that no longer holds `old`
    there gets `new` added as `add_issue_link` adds it (a line already referencing `new` stays
    as it is). Raises ValueError when `new` is not one issue reference."""
    editor = PlanfileEditor(raw)
    editor.replace_issue_reference(line, old, new, layout)
    return editor.data


def set_task_title(
    raw: bytes,
    line: int,
    old_title: str,
    new_title: str,
    layout: TableRowLayout | None,
    task_id: str | None = None,
    rules: ReaderRules | None = None,
) -> bytes:
    """Replace the first occurrence of `old_title` in the task's text on `line` by `new_title`.

    The search is limited to the item's text after its marker, checkbox and leading ID or label
    (`**Days 1-2**:`), outside comments and link targets, or to the title cell of a table row
    (where the cell keeps its width when the new title fits), or for a task read from a table
    row that is no task row, to the cell holding its ID. Pass the task's ID as `task_id` when
    it has one: the ID is then never written over, and a task whose title is its ID alone
    (`- T1`: it has no title of its own) gets the new title after the ID (`- T1: New title`).
    The new title is text from a tracker: it is escaped for the place it lands in (see
    `edit_escape.escape_title`), so it never gives the task an ID nor breaks the row or the
    item (`rules`: the reader's, whose ID shapes are the ones escaped). Raises ValueError when
    `old_title` is not on the line verbatim (nor as that escaping writes it), or when the line
    would then read as another task; a new title equal to the old one changes nothing.
    """
    editor = PlanfileEditor(raw, rules=rules)
    editor.set_task_title(line, old_title, new_title, layout, task_id)
    return editor.data


def _check_same_task(raw: bytes, edited: bytes, line: int, rules: ReaderRules | None) -> None:
    """ValueError unless the reader reads the task on `line` after the edit with the ID (or
    none) it had before. The title's own escaping sees to that; this catches the rest, such
    as a line whose ID is not its first token (`1. OPS-9 OPS-9`: the second one counts)."""
    ids_before = _ids_by_line(raw, rules)
    if line not in ids_before:
        return
    now = _ids_by_line(edited, rules)
    if now.get(line, _NO_TASK) != ids_before[line]:
        raise ValueError(_other_task_message(line, ids_before[line], now, line in now))
    elsewhere = _read_otherwise(ids_before, now, {line})
    if elsewhere is not None:
        raise ValueError(_elsewhere_message(line, elsewhere))


_NO_TASK = "\x00no task"  # never an ID


def _ids_by_line(raw: bytes, rules: ReaderRules | None) -> dict[int, str | None]:
    """The ID (or None) of the first task the reader reads on each line of `raw`."""
    ids: dict[int, str | None] = {}
    for task in parse_plan(raw, Path("planfile"), rules).tasks:
        ids.setdefault(task.line, task.id)
    return ids


def _closes_heading(old_line: bytes, new_line: bytes) -> bool:
    """Whether the edit gave a heading a closing sequence (`### Ship #`) it did not have: the
    reader drops those `#`s from the text."""
    return (
        _ATX_HEADING.match(new_line) is not None
        and _CLOSING_HASHES.search(new_line) is not None
        and _CLOSING_HASHES.search(old_line) is None
    )


def _read_otherwise(
    before: Mapping[int, str | None], now: Mapping[int, str | None], edited: set[int]
) -> int | None:
    """The first line outside `edited` whose task the reader reads otherwise now (another
    ID, none, or a task where there was none); None when every other line reads as before."""
    lines = sorted((set(before) | set(now)) - edited)
    return next((n for n in lines if before.get(n, _NO_TASK) != now.get(n, _NO_TASK)), None)


def _elsewhere_message(line: int, elsewhere: int) -> str:
    return (
        f"Line {line}: with the new title the reader would read the task on line {elsewhere} "
        "otherwise (the file would read in another shape), so plansync leaves the title as it "
        "is; change it by hand."
    )


def _other_task_message(
    line: int, before: str | None, now: Mapping[int, str | None], has_task: bool
) -> str:
    held = f"the ID {before}" if before else "no ID"
    read = (now[line] or "no ID") if has_task else "no task"
    return (
        f"Line {line}: with the new title the reader would read {read} there instead of "
        f"the task with {held}, so plansync leaves the title as it is; change it by hand."
    )


def _title_place(
    text: str, line: int, layout: TableRowLayout | None, other_row: bool, task_id: str | None
) -> TitlePlace:
    if layout is not None:
        return cell_place(text, cell_of(text, line, layout, "title"), item_like=False)
    if other_row:
        return cell_place(text, id_cell(text, task_id), item_like=True)
    return item_place(text)

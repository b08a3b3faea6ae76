"""A reference written on a heading that is a task's line (`## FIX-6: Phase 1`, `### Task 3: X`)
goes where the reader reads it as one more of the heading's issues, and the heading's title
stays what it was: inside a trailing issue list the heading has (`(Issues #4, #5)` becomes
`(Issues #4, #5, #1)`; ` (#1)` after it would make the list part of the title), else as
` (#1)` after the heading's text, before a closing sequence of `#`s (after one, it would be
text of the title).
"""

from __future__ import annotations

import re

from plansync.planfile.inline import clean_title
from plansync.planfile.item_line import tail_start
from plansync.planfile.sections import split_issue_list

_ATX_OPENING = re.compile(r"^ {0,3}#{1,6}(?=[ \t]|$)")
_CLOSING_SEQUENCE = re.compile(r"[ \t]+#+[ \t]*$")
_GROUP = re.compile(r"\(([^()]*)\)")


def linked_heading(text: str, stored: str) -> str | None:
    """The ATX heading line `text` with the reference `stored` written on it (see above); None
    when `text` is no ATX heading."""
    opening = _ATX_OPENING.match(text)
    if opening is None:
        return None
    end = tail_start(text)
    closing = _CLOSING_SEQUENCE.search(text, opening.end(), end)
    if closing is not None:
        end = closing.start()
    content = text[opening.end() : end]
    if split_issue_list(clean_title(content.strip()))[1]:
        # The list is the last group that reads as one: markup or an emoji may follow it
        # (`**Phase 1 (Issues #4)**`), which the reader drops before it looks for the list.
        for group in reversed(list(_GROUP.finditer(content))):
            if split_issue_list(f"x ({group.group(1)})")[1]:
                at = opening.end() + group.end(1)  # before the list's `)`
                return f"{text[:at]}, {stored}{text[at:]}"
    return f"{text[:end]} ({stored}){text[end:]}"

"""Title text that would read as a todo.txt-style field (`@ann`, `#sync`, `~2h`, `risk:low`)
on a line of such fields (see `tool_lines.todo_fields`): its first character is written as a
character reference (`&#64;ann`), which renders as itself but which the reader reads as
title text, so a title from a tracker never gives a task an owner, a label or an estimate.
"""

from __future__ import annotations

import re

from plansync.planfile.tool_lines import is_field_token

_TOKEN = re.compile(r"\S+")


def escape_fields(text: str) -> str:
    """`Ping @ann about #sync` -> `Ping &#64;ann about &#35;sync`; other text is unchanged."""

    def escaped(found: re.Match[str]) -> str:
        token = found.group()
        if not is_field_token(token):
            return token
        return f"&#{ord(token[0])};{token[1:]}"

    return _TOKEN.sub(escaped, text)

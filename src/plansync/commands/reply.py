"""The one reply plansync posts to a comment holding commands: each command quoted (`> /plan
...`, so the reply is never a command itself) with what came of it."""

from __future__ import annotations

from collections.abc import Sequence

from plansync.commands.authorise import reply_marker
from plansync.commands.outcome import Outcome, Verdict
from plansync.commands.parse import MAX_COMMANDS
from plansync.commands.text import inline, quoted

_MARKS = {Verdict.APPLIED: "✅", Verdict.ANSWERED: "ℹ️", Verdict.REFUSED: "❌"}


EDITS_NOT_RUN = "_An edit of this comment is not run again: put new commands in a new comment._"


def reply_body(comment_id: int, outcomes: Sequence[Outcome], dropped: int = 0) -> str:
    parts = [reply_marker(comment_id)]
    for outcome in outcomes:
        parts.append(
            f"{quoted(outcome.command.text)}\n\n{_MARKS[outcome.verdict]} {outcome.message}"
        )
    if dropped:
        parts.append(
            f"Only the first {MAX_COMMANDS} commands of a comment are run; the {dropped} after "
            "them were not. Put them in another comment."
        )
    parts.append(EDITS_NOT_RUN)
    return "\n\n".join(parts) + "\n"


def refused_body(comment_id: int, author: str, count: int, needed: str) -> str:
    """For someone who may not command: nothing of the plan is shown."""
    noun = "command" if count == 1 else "commands"
    who = inline(author).replace("\u200b", "")
    return (
        f"{reply_marker(comment_id)}\n@{who}: plansync runs `/plan` "
        f"commands only for users with {needed} permission on this repository or on the "
        f"project's allow list, so the {noun} in this comment {'was' if count == 1 else 'were'} "
        "not run.\n"
    )


def reaction_for(outcomes: Sequence[Outcome]) -> str:
    if any(not o.ok for o in outcomes):
        return "confused"
    if any(o.change is not None for o in outcomes):
        return "rocket"
    return "+1"

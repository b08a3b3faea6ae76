"""Small builders the summary tests share: a planfile as a run reads it, and tracker issues."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from plansync.model.remote import CloseReason, IssueState, RemoteIssue
from plansync.model.sync import PlanInput
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def plan_input(raw: bytes, planfile: str) -> PlanInput:
    """The planfile as a run reads it: the real reader, and the decoded lines."""
    document = parse_plan(raw, Path(planfile), ReaderRules())
    text = decode_plan(raw, Path(planfile)).text
    return PlanInput(planfile, document, tuple(s.rstrip("\r\n") for s in split_text_lines(text)))


def remote_issue(
    number: int,
    title: str,
    *,
    repo_url: str,
    closed: CloseReason | None = None,
    milestone_title: str | None = None,
    milestone_number: int | None = None,
) -> RemoteIssue:
    return RemoteIssue(
        number=number,
        id=100_000 + number,
        url=f"{repo_url}/issues/{number}",
        title=title,
        body="",
        state=IssueState.CLOSED if closed else IssueState.OPEN,
        updated_at=WHEN,
        created_at=WHEN,
        state_reason=closed,
        milestone_number=milestone_number,
        milestone_title=milestone_title,
    )

"""Small builders the summary tests share: a planfile as a run reads it."""

from __future__ import annotations

from pathlib import Path

from plansync.model.sync import PlanInput
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def plan_input(raw: bytes, planfile: str) -> PlanInput:
    """The planfile as a run reads it: the real reader, and the decoded lines."""
    document = parse_plan(raw, Path(planfile), ReaderRules())
    text = decode_plan(raw, Path(planfile)).text
    return PlanInput(planfile, document, tuple(s.rstrip("\r\n") for s in split_text_lines(text)))

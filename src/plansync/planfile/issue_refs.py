"""The issue references of a task's line as written (inline markdown, code spans included)."""

from __future__ import annotations

from plansync.model.plan import IssueRef
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import plain, split_code
from plansync.planfile.link_forms import is_link_form


def _quotable(ref: IssueRef) -> bool:
    return ref.url is not None or is_link_form(ref)


def issue_refs_in(markdown: str) -> tuple[IssueRef, ...]:
    """`parse_issue_refs` of the line's plain text, without the issue URLs, `ref:GH#510` and
    `GH-510` that stand only inside code spans: code quotes a link, it makes none. (`#61` in
    a code span counts, as it always has.)"""
    refs = parse_issue_refs(plain(markdown))
    if "`" not in markdown or not any(_quotable(r) for r in refs):
        return refs
    outside, spans = split_code(markdown)
    quoted = {r for span in spans for r in parse_issue_refs(span) if _quotable(r)}
    if not quoted:
        return refs
    kept = set(parse_issue_refs(plain(outside)))
    return tuple(r for r in refs if r not in quoted or r in kept)

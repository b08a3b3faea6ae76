"""The summary's changeset: what the end of a run writes so that every planfile's block, every
milestone's progress line and every tracking issue shows the figures the run left. Pure: each
action is there only when what it writes differs from what is there, so a run that changed no
figure writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from plansync.config.project import ProjectConfig
from plansync.errors import PlanfileError
from plansync.gcpause import without_gc
from plansync.model.changeset import (
    Changeset,
    CreateTrackingIssue,
    DescribeMilestone,
    UpdateTrackingIssue,
    WriteSummary,
)
from plansync.model.sync import Notice, RemoteSnapshot
from plansync.planfile.rules import ReaderRules
from plansync.state.base import BlockRef
from plansync.summary.data import Effort, PlanFigures, Progress
from plansync.summary.describe import (
    PROGRESS_BEGIN,
    PROGRESS_END,
    progress_texts,
    same_description,
    with_progress,
)
from plansync.summary.figures import NO_MILESTONE
from plansync.summary.guard import (
    Kept,
    digest,
    kept_block,
    kept_summary_block,
    kept_tracking_body,
)
from plansync.summary.place import (
    SUMMARY_BEGIN,
    SUMMARY_END,
    SummaryBlock,
    summary_block,
    write_summary,
)
from plansync.summary.render import (
    milestone_line,
    render_summary_block,
    shows_nothing,
    tracking_body,
)
from plansync.trackers.markers import find_tracking_marker, tracking_marker


@dataclass(frozen=True)
class SummaryTarget:
    """One planfile at the end of a run: its bytes as they are now, its figures, and the
    rules it is read with (their ID shapes tell its tasks)."""

    planfile: str
    raw: bytes
    figures: PlanFigures
    rules: ReaderRules = field(default_factory=ReaderRules)


# The digests on record of the blocks plansync wrote (StateStore.written_blocks).
Written = Mapping[BlockRef, frozenset[str]]


def tracking_issues(remote: RemoteSnapshot) -> dict[str, list[int]]:
    """Planfile -> the numbers of the issues carrying its tracking marker, lowest first."""
    found: dict[str, list[int]] = {}
    for number in sorted(remote.issues):
        planfile = find_tracking_marker(remote.issues[number].body)
        if planfile is not None:
            found.setdefault(planfile, []).append(number)
    return found


# Both trackers refuse longer titles (GitHub 256 characters, GitLab 255).
_TITLE_LIMIT = 250


def tracking_title(figures: PlanFigures) -> str:
    title = f"Plan: {figures.title}"
    return title if len(title) <= _TITLE_LIMIT else title[: _TITLE_LIMIT - 3] + "..."


@without_gc
def summary_changeset(
    targets: Sequence[SummaryTarget],
    remote: RemoteSnapshot,
    project: ProjectConfig,
    written: Written | None = None,
) -> Changeset:
    """`written`: the digests on record of the blocks plansync wrote; a block that is not
    what plansync last wrote is reported and kept (see `guard`)."""
    changeset = Changeset()
    settings = project.summary
    written = written or {}
    # Each side is written only where the direction writes: push never writes a planfile,
    # pull never writes to the tracker.
    if settings.enabled and project.direction != "push":
        for target in targets:
            _block(changeset, target, project, written)
    if project.direction == "pull":
        return changeset
    if settings.milestones:
        _milestones(changeset, targets, remote, written)
    if settings.tracking_issue:
        found = tracking_issues(remote)
        for target in targets:
            numbers = found.get(target.planfile, [])
            _tracking(changeset, target, remote, numbers, project, written)
    return changeset


def _block(
    changeset: Changeset, target: SummaryTarget, project: ProjectConfig, written: Written
) -> None:
    place = project.summary.place
    content = render_summary_block(target.figures, mermaid=project.summary.mermaid)
    try:
        data = write_summary(target.raw, content, place)
        block = summary_block(target.raw)
    except PlanfileError as exc:
        changeset.notices.append(Notice(None, f"{target.planfile}: {exc}"))
        return
    if data is None or data == target.raw:
        return
    recorded = written.get(BlockRef("summary", target.planfile), frozenset())
    # A file without tasks gets no block; a block plansync wrote there is kept current.
    if shows_nothing(target.figures) and (block is None or digest(block.text) not in recorded):
        return
    if block is not None:
        kept = kept_summary_block(block.text, recorded, target.rules, block.begin + 1)
        if kept is not None:
            changeset.notices.append(Notice(None, _kept_summary_message(target, block, kept)))
            return
    why = "its figures changed" if block is not None else "it has no summary yet"
    changeset.actions.append(WriteSummary(target.planfile, content, place, why))


def _kept_summary_message(target: SummaryTarget, block: SummaryBlock, kept: Kept) -> str:
    return (
        f"{target.planfile}: lines {block.begin}-{block.end}: the summary block between "
        f"`{SUMMARY_BEGIN}` and `{SUMMARY_END}` {kept.reason}, so plansync leaves it as "
        "it is and writes no summary. Move that content out of the block, or delete the block "
        "(both marker lines and what lies between them) to let plansync write a fresh one."
    )


def _milestones(
    changeset: Changeset,
    targets: Sequence[SummaryTarget],
    remote: RemoteSnapshot,
    written: Written,
) -> None:
    """A milestone's line counts its tasks in every planfile of the project."""
    rows: dict[str, list[Progress]] = {}
    for target in targets:
        for row in target.figures.milestones:
            if row.title != NO_MILESTONE:
                rows.setdefault(row.title, []).append(row.progress)
    for milestone in remote.milestones:
        progresses = rows.get(milestone.title)
        if progresses is None:
            continue
        line = milestone_line(combined(progresses))
        description = with_progress(milestone.description, line)
        if same_description(description, milestone.description):
            continue
        recorded = written.get(BlockRef("progress", str(milestone.number)), frozenset())
        kept = _kept_progress(milestone.description, recorded)
        if kept is not None:
            changeset.notices.append(
                Notice(
                    None,
                    f"milestone {milestone.title!r}: plansync's progress line in its "
                    f"description (between `{PROGRESS_BEGIN}` and `{PROGRESS_END}`) "
                    f"{kept.reason}, so plansync leaves it as it is. Move that text out of the "
                    "markers, or delete them and what lies between to let plansync write a "
                    "fresh line.",
                )
            )
        else:
            changeset.actions.append(
                DescribeMilestone(
                    milestone.number, milestone.title, description, "its progress changed"
                )
            )


def _kept_progress(description: str, recorded: frozenset[str]) -> Kept | None:
    """Why the progress line (or each part a damaged pair of markers encloses) is kept."""
    for text in progress_texts(description):
        kept = kept_block(text, recorded)
        if kept is not None:
            return kept
    return None


def _tracking(
    changeset: Changeset,
    target: SummaryTarget,
    remote: RemoteSnapshot,
    numbers: list[int],
    project: ProjectConfig,
    written: Written,
) -> None:
    figures = target.figures
    marker = tracking_marker(target.planfile)
    body = f"{marker}\n\n{tracking_body(figures, mermaid=project.summary.mermaid)}"
    title = tracking_title(figures)
    if not numbers:
        changeset.actions.append(
            CreateTrackingIssue(
                target.planfile, title, body, marker, "the planfile has no tracking issue yet"
            )
        )
        return
    if len(numbers) > 1:
        others = ", ".join(f"#{n}" for n in numbers[1:])
        changeset.notices.append(
            Notice(
                None,
                f"{others} carry the tracking marker of {target.planfile} too; plansync keeps "
                f"#{numbers[0]} up to date and leaves the others alone",
            )
        )
    issue = remote.issues[numbers[0]]
    new_title = title if issue.title != title else None
    new_body = body if not same_description(issue.body, body) else None
    if new_body is not None:
        recorded = written.get(BlockRef("tracking", str(issue.number)), frozenset())
        kept = kept_tracking_body(issue.body, marker, recorded)
        if kept is not None:
            new_body = None
            changeset.notices.append(
                Notice(
                    None,
                    f"#{issue.number}, the tracking issue of {target.planfile}: its body "
                    f"{kept.reason}, so plansync leaves it as it is. Move that text into a "
                    f"comment, or clear the body but for its first line `{marker}` to let "
                    "plansync write a fresh one.",
                    issue.number,
                )
            )
    if new_title is not None or new_body is not None:
        changed = " and ".join(
            name for name, new in (("title", new_title), ("summary", new_body)) if new
        )
        changeset.actions.append(
            UpdateTrackingIssue(
                target.planfile, issue.number, new_title, new_body, f"its {changed} changed"
            )
        )


def combined(progresses: Iterable[Progress]) -> Progress:
    """Several groups of tasks counted as one."""
    done = total = dropped = 0
    effort_done: Effort | None = None
    effort_total: Effort | None = None
    for progress in progresses:
        done += progress.done
        total += progress.total
        dropped += progress.dropped
        effort_done = _add(effort_done, progress.effort_done)
        effort_total = _add(effort_total, progress.effort_total)
    return Progress(done, total, dropped, effort_done, effort_total)


def _add(a: Effort | None, b: Effort | None) -> Effort | None:
    if a is None:
        return b
    return a if b is None else a + b

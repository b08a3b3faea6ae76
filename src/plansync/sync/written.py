"""Recording the blocks plansync writes, and writing a planfile's summary block.

Each write of a block is recorded in two steps: before it, the digest of the new text joins the
block's digests on record; after it, the block keeps only the digests of what was written (as
sent, and as the tracker returned it). A run killed between the two finds either text on record
as plansync's, so it never takes its own last write for a person's edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plansync.errors import PlansyncError
from plansync.model.changeset import Status, WriteSummary
from plansync.planfile.parse import read_plan_bytes
from plansync.planfile.rules import ReaderRules
from plansync.state.base import BlockRef, StateStore
from plansync.summary.describe import progress_texts
from plansync.summary.guard import digest, kept_summary_block
from plansync.summary.place import summary_block, write_summary
from plansync.sync.planedit import write_if_unchanged

# How often a planfile edited under the run is read again before its summary is given up.
_WRITE_ATTEMPTS = 3


def body_block(number: int) -> BlockRef:
    return BlockRef("body", str(number))


def tracking_block(number: int) -> BlockRef:
    return BlockRef("tracking", str(number))


def progress_block(number: int) -> BlockRef:
    return BlockRef("progress", str(number))


def progress_text(description: str) -> str | None:
    """The progress line between the one pair of markers of a milestone description."""
    texts = progress_texts(description)
    return texts[0] if len(texts) == 1 else None


class BlockRecords:
    """The digests of the blocks plansync writes, kept in the state store around each write."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def before(self, block: BlockRef, text: str | None) -> None:
        if text is not None:
            self.store.expect_block(block, digest(text))

    def after(self, block: BlockRef, *texts: str | None) -> None:
        digests = {digest(text) for text in texts if text is not None}
        if digests:
            self.store.settle_block(block, digests)


@dataclass(frozen=True)
class SummaryWrite:
    """How a summary write ended; `data` is the planfile's new bytes when it was written."""

    status: Status
    detail: str
    data: bytes | None = None


def write_summary_file(
    action: WriteSummary, path: Path, rules: ReaderRules, expected: bytes, store: StateStore
) -> SummaryWrite:
    """Write `action`'s summary into the planfile at `path`, which the run last saw holding
    `expected`: atomically, only over those bytes (a file saved meanwhile is read again and the
    block written into what it holds now), and only over a block that is still plansync's."""
    block_ref = BlockRef("summary", action.planfile)
    records = BlockRecords(store)
    recorded = store.written_blocks().get(block_ref, frozenset())
    for _ in range(_WRITE_ATTEMPTS):
        try:
            block = summary_block(expected)
            kept = kept_summary_block(block.text, recorded, rules) if block else None
            if kept is not None:
                return SummaryWrite(
                    Status.SKIPPED, f"{path}: the summary block {kept.reason}; it is kept"
                )
            data = write_summary(expected, action.content, action.place)
            if data is None or data == expected:
                return SummaryWrite(Status.SKIPPED, "the planfile already shows these figures")
            records.before(block_ref, action.content)
            recorded |= {digest(action.content)}
            if write_if_unchanged(path, expected, data):
                records.after(block_ref, action.content)
                return SummaryWrite(Status.APPLIED, str(path), data)
            expected = read_plan_bytes(path)  # edited meanwhile: write on its bytes
        except PlansyncError as exc:
            return SummaryWrite(Status.FAILED, f"{path}: {exc}")
        except OSError as exc:
            return SummaryWrite(Status.FAILED, f"{path}: cannot be written ({exc.strerror})")
    return SummaryWrite(
        Status.FAILED, f"{path} kept changing while it was being written; the next run tries again"
    )

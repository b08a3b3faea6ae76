"""A paged listing that shifted while it was read is read again, never trusted as complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from plansync.errors import TrackerUnavailableError
from plansync.model.remote import Cursor
from plansync.trackers.github.observe import Probe, read_incrementally
from plansync.trackers.listing import read_whole_listing


def _item(number: int, second: int) -> Mapping[str, Any]:
    return {"id": number, "updated_at": f"2026-01-01T00:00:{second:02d}+00:00"}


class TestReadWholeListing:
    def test_a_repeated_item_means_read_again(self) -> None:
        shifted = [_item(1, 1), _item(3, 3), _item(1, 4)]  # 1 moved to the end; 2 was skipped
        whole = [_item(2, 2), _item(3, 3), _item(1, 4)]
        answers = [shifted, whole]
        calls = []

        def read() -> list[Mapping[str, Any]]:
            calls.append(1)
            return answers.pop(0)

        assert read_whole_listing(read, lambda i: int(i["id"]), what="issues of a/b") == whole
        assert len(calls) == 2

    def test_a_listing_that_keeps_shifting_is_a_failure(self) -> None:
        calls = []

        def read() -> list[Mapping[str, Any]]:
            calls.append(1)
            return [_item(1, 1), _item(1, 2)]

        with pytest.raises(TrackerUnavailableError, match="issues of a/b kept changing"):
            read_whole_listing(read, lambda i: int(i["id"]), what="issues of a/b", attempts=3)
        assert len(calls) == 3


class TestGitHubIncrementalReadAfterAShift:
    def test_the_cursor_only_moves_over_a_whole_read(self) -> None:
        # The probe's newest-first page does not reach back to the cursor, so pages are read;
        # the first paged read shifted (item 1 twice, item 2 skipped), the second did not.
        probe = Probe(False, [_item(1, 9)], 'W/"p"', complete=False)
        reads = [
            [_item(3, 5), _item(1, 9), _item(1, 9)],
            [_item(2, 4), _item(3, 5), _item(1, 9)],
        ]
        result = read_incrementally(
            lambda etag: probe, lambda since: reads.pop(0), Cursor(since=_item(0, 1)["updated_at"])
        )
        assert [int(i["id"]) for i in result.items] == [2, 3, 1]
        assert result.cursor.since == _item(1, 9)["updated_at"]
        assert reads == []

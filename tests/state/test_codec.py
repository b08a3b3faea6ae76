"""JSON <-> the frozen dataclasses the state store keeps."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansync.model.remote import (
    CloseReason,
    Cursor,
    IssueState,
    Permission,
    RemoteIssue,
    RemoteMilestone,
)
from plansync.model.sync import Fields, Link, MilestoneLink, TaskState
from plansync.state import codec

from . import samples

# Trackers send fixed offsets (mostly UTC). A named zone comes back as its offset at that
# instant, which Python compares as unequal for times in a DST gap or fold (PEP 495).
FIXED_OFFSETS = st.integers(min_value=-1439, max_value=1439).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


class TestRoundTrip:
    @pytest.mark.parametrize(
        "value",
        [
            samples.issue(),
            samples.bare_issue(4),
            samples.fields(),
            Fields(title="t", state=TaskState.OPEN),
            samples.link(base=samples.fields()),
            samples.link(base=None),
            samples.milestone_link(),
            samples.milestone_link(due_on=None),
            samples.milestone(),
            samples.milestone(due_on=None),
            samples.cursor(),
            Cursor(),
        ],
        ids=lambda value: type(value).__name__,
    )
    def test_every_stored_type_reads_back_equal(self, value: object) -> None:
        text = codec.dumps(value)
        assert codec.loads(type(value), text) == value

    def test_types_come_back_as_written(self) -> None:
        issue = codec.loads(RemoteIssue, codec.dumps(samples.issue()))
        assert type(issue.state) is IssueState
        assert type(issue.state_reason) is CloseReason
        assert type(issue.labels) is tuple
        assert issue.updated_at.tzinfo is not None
        assert issue.created_at.utcoffset() == samples.issue().created_at.utcoffset()
        link = codec.loads(Link, codec.dumps(samples.link(base=samples.fields())))
        assert link.base is not None
        assert type(link.base.state) is TaskState
        assert type(link.base.assignees) is tuple

    def test_a_list_of_milestones_reads_back_in_order(self) -> None:
        milestones = [samples.milestone(5), samples.milestone(1, due_on=None)]
        text = codec.dumps(tuple(milestones))
        assert codec.loads_list(RemoteMilestone, text) == milestones

    @given(
        st.builds(
            Fields,
            title=st.text(),
            state=st.sampled_from(TaskState),
            milestone=st.none() | st.text(),
            labels=st.lists(st.text()).map(tuple),
            estimate=st.none() | st.integers(min_value=0, max_value=10**9),
            assignees=st.lists(st.text()).map(tuple),
            body=st.text(),
        )
    )
    def test_any_fields_read_back_equal(self, fields: Fields) -> None:
        assert codec.loads(Fields, codec.dumps(fields)) == fields

    @given(
        st.builds(
            RemoteIssue,
            number=st.integers(min_value=1, max_value=2**40),
            id=st.integers(min_value=1, max_value=2**62),
            url=st.text(),
            title=st.text(),
            body=st.text(),
            state=st.sampled_from(IssueState),
            updated_at=st.datetimes(timezones=FIXED_OFFSETS),
            created_at=st.datetimes(),
            state_reason=st.none() | st.sampled_from(CloseReason),
            labels=st.lists(st.text()).map(tuple),
            milestone_number=st.none() | st.integers(),
            milestone_title=st.none() | st.text(),
            assignees=st.lists(st.text()).map(tuple),
            estimate_minutes=st.none() | st.integers(),
        )
    )
    def test_any_issue_reads_back_equal(self, issue: RemoteIssue) -> None:
        back = codec.loads(RemoteIssue, codec.dumps(issue))
        assert back == issue
        # Aware datetimes compare as instants: check the offset was kept as well.
        assert back.updated_at.utcoffset() == issue.updated_at.utcoffset()
        assert back.created_at.tzinfo is None


class TestEncoding:
    def test_plain_json_with_iso_dates_and_enum_values(self) -> None:
        data = json.loads(codec.dumps(samples.milestone_link()))
        assert data == {
            "title": "Phase 1",
            "number": 3,
            "milestone_id": 77,
            "url": "https://github.com/acme/web/milestone/3",
            "due_on": "2024-06-30",
            "description": "First phase",
        }
        issue = json.loads(codec.dumps(samples.issue()))
        assert issue["state"] == "closed"
        assert issue["state_reason"] == "not_planned"
        assert issue["updated_at"] == "2024-05-17T09:30:12.345678+00:00"
        assert issue["labels"] == ["bug", "estimate: 2h"]

    def test_text_is_kept_unescaped(self) -> None:
        assert "ünïcödé" in codec.dumps(samples.fields())

    def test_summaries_hold_enums_dates_dataclasses_and_sets_as_plain_values(self) -> None:
        summary = {
            "permission": Permission.WRITE,
            "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            "day": date(2024, 1, 2),
            "cursor": Cursor(since="s", seen=(1,)),
            "labels": {"b", "a"},
            "counts": {TaskState.DONE: 3},
            "requests": MappingProxyType({"GET": 4}),
        }
        assert json.loads(codec.dumps(summary)) == {
            "permission": 3,
            "at": "2024-01-02T03:04:05+00:00",
            "day": "2024-01-02",
            "cursor": {"since": "s", "etag": None, "seen": [1], "digests": [], "pages": []},
            "labels": ["a", "b"],
            "counts": {"done": 3},
            "requests": {"GET": 4},
        }

    @pytest.mark.parametrize("value", [object(), b"bytes", {1: "int key"}, float("nan")])
    def test_values_json_cannot_hold_are_refused(self, value: object) -> None:
        with pytest.raises((TypeError, ValueError)):
            codec.dumps({"value": value})


class TestReadingOldAndBadRows:
    def test_a_field_missing_from_an_old_row_takes_its_default(self) -> None:
        data = json.loads(codec.dumps(samples.bare_issue(3)))
        del data["estimate_minutes"]
        del data["labels"]
        assert codec.loads(RemoteIssue, json.dumps(data)) == samples.bare_issue(3)

    def test_a_key_this_code_does_not_know_is_left_out(self) -> None:
        data = json.loads(codec.dumps(samples.cursor()))
        data["added_later"] = 1
        assert codec.loads(Cursor, json.dumps(data)) == samples.cursor()

    def test_a_missing_required_field_is_named(self) -> None:
        data = json.loads(codec.dumps(samples.link()))
        del data["task"]["key"]
        with pytest.raises(codec.CodecError, match=r"Link\.task: the field 'key' is missing"):
            codec.loads(Link, json.dumps(data))

    @pytest.mark.parametrize(
        ("change", "where"),
        [
            ({"labels": ["ok", 3]}, r"RemoteIssue\.labels\[1\]: expected str"),
            ({"state": "merged"}, r"RemoteIssue\.state: 'merged' is not a IssueState"),
            ({"updated_at": "yesterday"}, r"RemoteIssue\.updated_at: 'yesterday' is not an ISO"),
            ({"number": True}, r"RemoteIssue\.number: expected int"),
            ({"number": "12"}, r"RemoteIssue\.number: expected int"),
            ({"milestone_number": 1.5}, r"RemoteIssue\.milestone_number: expected int"),
            ({"labels": "bug"}, r"RemoteIssue\.labels: expected list"),
        ],
    )
    def test_a_value_of_the_wrong_type_is_named_by_its_path(
        self, change: dict[str, object], where: str
    ) -> None:
        data = {**json.loads(codec.dumps(samples.issue())), **change}
        with pytest.raises(codec.CodecError, match=where):
            codec.loads(RemoteIssue, json.dumps(data))

    def test_a_date_field_refuses_a_bad_date(self) -> None:
        data = {**json.loads(codec.dumps(samples.milestone())), "due_on": "2024-02-30"}
        with pytest.raises(codec.CodecError, match=r"RemoteMilestone\.due_on"):
            codec.loads(RemoteMilestone, json.dumps(data))

    def test_text_that_is_not_json_is_refused(self) -> None:
        with pytest.raises(codec.CodecError, match="MilestoneLink: not JSON"):
            codec.loads(MilestoneLink, "{")

    def test_an_object_is_read_as_a_plain_dict(self) -> None:
        assert codec.loads_object('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
        with pytest.raises(codec.CodecError, match="expected dict"):
            codec.loads_object("[1]")

    def test_a_list_refuses_a_wrong_item(self) -> None:
        text = json.dumps([json.loads(codec.dumps(samples.milestone())), 5])
        with pytest.raises(codec.CodecError, match=r"list of RemoteMilestone\[1\]: expected dict"):
            codec.loads_list(RemoteMilestone, text)

"""The sandbox's GitHub answers have the shape of real GitHub's, as recorded.

The recorded traffic (octokit's fixtures, real GitHub answers normalised) lives in the shared
reference folder. For each kind of answer plansync relies on, the sandbox's answer must carry
the same keys, and each value the same JSON type, recursively (user, labels, owner,
permissions, content, commit, ...). A null on either side is not compared: a recorded issue
without a milestone says nothing about the milestone's type.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from plansync.sandbox.server import SandboxServer

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "github"
TOKEN = {"Authorization": "token sandbox-token"}
RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
)

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"the recorded GitHub traffic folder {REFERENCE} is absent"
)


def recorded(name: str) -> list[dict[str, Any]]:
    data = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def interaction(name: str, method: str, path_start: str) -> dict[str, Any]:
    for entry in recorded(name):
        if entry["method"].upper() == method and entry["path"].startswith(path_start):
            return entry
    raise AssertionError(f"{name} has no {method} {path_start}* interaction")


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` differs from `expected` in keys or JSON types (nulls not compared)."""
    if expected is None or actual is None:
        return []
    if kind(expected) != kind(actual):
        return [f"{where}: recorded {kind(expected)}, sandbox {kind(actual)}"]
    if isinstance(expected, dict):
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        found = [f"{where}: missing keys {missing}"] if missing else []
        found += [f"{where}: extra keys {extra}"] if extra else []
        for key in set(expected) & set(actual):
            found += shape_differences(expected[key], actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list) and expected and actual:
        return shape_differences(expected[0], actual[0], f"{where}[0]")
    return []


class TestShapeComparison:
    """The comparison itself must catch what it is meant to catch."""

    def test_detects_missing_extra_and_retyped_keys(self) -> None:
        expected = {"a": 1, "b": "x", "user": {"login": "u", "id": 1}}
        actual = {"a": "1", "c": 2, "user": {"login": "u"}}
        found = shape_differences(expected, actual)
        assert "$: missing keys ['b']" in found
        assert "$: extra keys ['c']" in found
        assert "$.a: recorded number, sandbox string" in found
        assert "$.user: missing keys ['id']" in found

    def test_nulls_and_empty_lists_are_not_compared(self) -> None:
        assert shape_differences({"m": None, "l": []}, {"m": {"x": 1}, "l": [1]}) == []


@pytest.fixture
def api(sandbox: SandboxServer) -> str:
    return sandbox.github_api_url


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers={**TOKEN, **headers}, timeout=10)


def send(method: str, url: str, body: dict[str, Any]) -> requests.Response:
    return requests.request(method, url, json=body, headers=TOKEN, timeout=10)


def assert_same_shape(expected: Any, actual: Any) -> None:
    differences = shape_differences(expected, actual)
    assert not differences, "\n".join(differences)


def assert_service_headers(answer: requests.Response) -> None:
    for name in (*RATE_HEADERS, "etag", "x-github-request-id"):
        assert name in answer.headers, f"{name} missing from {answer.request.method} answer"


class TestIssues:
    def test_listed_issue_has_the_recorded_shape(self, sandbox: SandboxServer, api: str) -> None:
        sandbox.store.create_issue("demo/plans", "Test issue", "")
        answer = get(f"{api}/repos/demo/plans/issues?per_page=3")
        assert answer.status_code == 200
        expected = interaction("paginate-issues.json", "GET", "/repos/")["response"][0]
        assert_same_shape(expected, answer.json()[0])
        assert_service_headers(answer)

    def test_created_issue_has_the_recorded_shape(self, api: str) -> None:
        entry = interaction("add-labels-to-issue.json", "POST", "/repos/")
        answer = send("POST", f"{api}/repos/demo/plans/issues", entry["body"])
        assert answer.status_code == entry["status"] == 201
        assert_same_shape(entry["response"], answer.json())
        assert answer.headers["location"] == answer.json()["url"]

    def test_labels_inside_an_issue_have_the_recorded_label_shape(
        self, sandbox: SandboxServer, api: str
    ) -> None:
        number = sandbox.store.create_issue("demo/plans", "Labelled", labels=["Foo"])
        answer = get(f"{api}/repos/demo/plans/issues/{number}")
        label = interaction("labels.json", "GET", "/repos/")["response"][0]
        issue = interaction("add-labels-to-issue.json", "POST", "/repos/")["response"]
        assert_same_shape({**issue, "labels": [label]}, answer.json())

    def test_adding_labels_answers_the_recorded_label_list(
        self, sandbox: SandboxServer, api: str
    ) -> None:
        entry = recorded("add-labels-to-issue.json")[1]
        assert entry["path"].endswith("/issues/1/labels")
        number = sandbox.store.create_issue("demo/plans", "Issue without a label")
        answer = send("POST", f"{api}/repos/demo/plans/issues/{number}/labels", entry["body"])
        assert answer.status_code == entry["status"] == 200
        assert [x["name"] for x in answer.json()] == [x["name"] for x in entry["response"]]
        assert [x["color"] for x in answer.json()] == [x["color"] for x in entry["response"]]
        assert_same_shape(entry["response"], answer.json())

    def test_search_answer_has_the_recorded_shape(self, sandbox: SandboxServer, api: str) -> None:
        sandbox.store.create_issue("demo/plans", "Sesame seeds split without a pop!", "no pop")
        sandbox.store.create_issue("demo/plans", "Unrelated", "nothing")
        answer = get(f"{api}/search/issues?q=sesame%20repo%3Ademo%2Fplans")
        expected = interaction("search-issues.json", "GET", "/search/issues")["response"]
        assert answer.json()["total_count"] == 1
        assert_same_shape(expected, answer.json())


class TestPagination:
    def test_links_match_the_recorded_pages(self, sandbox: SandboxServer, api: str) -> None:
        entries = recorded("paginate-issues.json")
        for n in range(1, 14):
            sandbox.store.create_issue("demo/plans", f"Test issue {n}")
        url = f"{api}/repos/demo/plans/issues?per_page=3"
        repo_id = sandbox.store.repo("demo/plans").id
        for entry in entries:
            answer = get(url)
            assert answer.status_code == 200
            assert len(answer.json()) == len(entry["response"])
            ours = requests.utils.parse_header_links(answer.headers["link"])
            theirs = requests.utils.parse_header_links(entry["headers"]["link"])
            assert [x["rel"] for x in ours] == [x["rel"] for x in theirs]
            for mine, real in zip(ours, theirs, strict=True):
                mine_url, real_url = urlsplit(mine["url"]), urlsplit(real["url"])
                assert mine_url.path == f"/api/v3/repositories/{repo_id}/issues"
                assert real_url.path.startswith("/repositories/")
                assert parse_qs(mine_url.query) == parse_qs(real_url.query)
            next_links = [x["url"] for x in ours if x["rel"] == "next"]
            url = next_links[0] if next_links else url
        assert [x["rel"] for x in ours] == ["prev", "first"]


class TestLabels:
    def test_label_answers_have_the_recorded_shapes(self, sandbox: SandboxServer, api: str) -> None:
        entries = {(e["method"].upper(), e["status"]): e for e in recorded("labels.json")}
        sandbox.store.create_label("demo/plans", "bug", "d73a4a", "Something isn't working")
        listed = get(f"{api}/repos/demo/plans/labels")
        assert_same_shape(interaction("labels.json", "GET", "/repos/")["response"], listed.json())

        post = entries[("POST", 201)]
        created = send("POST", f"{api}/repos/demo/plans/labels", post["body"])
        assert created.status_code == 201
        assert_same_shape(post["response"], created.json())
        assert created.json()["description"] is None
        assert created.headers["location"] == created.json()["url"]

        one = get(f"{api}/repos/demo/plans/labels/test-label")
        single = [e for e in recorded("labels.json") if e["path"].endswith("/labels/test-label")]
        assert_same_shape(single[0]["response"], one.json())
        assert "last-modified" in one.headers

        patch = entries[("PATCH", 200)]
        edited = send("PATCH", f"{api}/repos/demo/plans/labels/test-label", patch["body"])
        assert edited.status_code == 200
        assert edited.json()["name"] == patch["response"]["name"]
        assert edited.json()["color"] == patch["response"]["color"]
        assert_same_shape(patch["response"], edited.json())


class TestRepositoryAndPeople:
    def test_repository_has_the_recorded_shape(self, api: str) -> None:
        answer = get(f"{api}/repos/demo/plans")
        expected = interaction("get-repository.json", "GET", "/repos/")["response"]
        assert_same_shape(expected, answer.json())
        assert_service_headers(answer)

    def test_collaborator_in_a_permission_answer_has_the_recorded_shape(
        self, sandbox: SandboxServer, api: str
    ) -> None:
        sandbox.store.set_permission("demo/plans", "alice", "write")
        answer = get(f"{api}/repos/demo/plans/collaborators/alice/permission")
        listed = [
            e
            for e in recorded("add-and-remove-repository-collaborator.json")
            if e["method"] == "get" and e["path"].endswith("/collaborators")
        ]
        collaborator = listed[0]["response"][1]
        assert answer.json()["permission"] == collaborator["role_name"] == "write"
        assert_same_shape(collaborator, answer.json()["user"])


class TestContents:
    def test_directory_listing_has_the_recorded_shape(
        self, sandbox: SandboxServer, api: str
    ) -> None:
        sandbox.store.put_file("demo/plans", "README.md", b"# hello-world")
        answer = get(f"{api}/repos/demo/plans/contents/")
        expected = interaction("get-content.json", "GET", "/repos/")["response"]
        assert_same_shape(expected, answer.json())
        assert answer.json()[0]["sha"] == expected[0]["sha"]  # git's blob id of the content

    def test_raw_file_is_answered_like_the_recording(
        self, sandbox: SandboxServer, api: str
    ) -> None:
        sandbox.store.put_file("demo/plans", "README.md", b"# hello-world")
        entry = recorded("get-content.json")[1]
        answer = get(
            f"{api}/repos/demo/plans/contents/README.md",
            Accept="application/vnd.github.v3.raw",
        )
        assert answer.text == entry["response"]
        assert answer.headers["content-type"] == entry["headers"]["content-type"]
        assert "last-modified" in answer.headers

    def test_created_file_answer_has_the_recorded_shape(self, api: str) -> None:
        entry = interaction("create-file.json", "PUT", "/repos/")
        answer = send("PUT", f"{api}/repos/demo/plans/contents/test.txt", entry["body"])
        assert answer.status_code == entry["status"] == 201
        assert_same_shape(entry["response"], answer.json())
        assert answer.json()["content"]["sha"] == entry["response"]["content"]["sha"]
        assert base64.b64decode(entry["body"]["content"]) == b"Test content"


class TestErrors:
    def test_validation_failure_is_the_recorded_answer(self, api: str) -> None:
        entry = interaction("errors.json", "POST", "/repos/")
        answer = send("POST", f"{api}/repos/demo/plans/labels", entry["body"])
        assert answer.status_code == entry["status"] == 422
        assert answer.json()["message"] == entry["response"]["message"]
        assert answer.json()["errors"] == entry["response"]["errors"]
        assert_same_shape(entry["response"], answer.json())

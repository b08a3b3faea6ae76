"""What daemons sharing one store coordinate by: projects marked dirty and claimed by one owner
at a time (a lease frees the claim of an owner that died), and webhook deliveries seen once.
Run against both backends; with PostgreSQL, also by owners claiming at once from threads."""

from __future__ import annotations

import threading
import time

import pytest

from plansync.state.base import DirtyClaim, StateDatabase

from .backends import PROJECT, SCOPE, Backend

LEASE = 60.0


def _mark(database: StateDatabase, project: str, times: int = 1) -> None:
    store = database.store(project, f"{project}@github:https://api.github.com/acme/{project}")
    for _ in range(times):
        store.mark_dirty()


class TestDirtyProjects:
    def test_nothing_to_claim_at_first(self, database: StateDatabase) -> None:
        assert database.claim_dirty("a", LEASE, limit=10) == []

    def test_a_marked_project_is_claimed_once_with_its_marks(self, database: StateDatabase) -> None:
        store = database.store(PROJECT, SCOPE)
        store.mark_dirty()
        store.mark_dirty()
        assert database.claim_dirty("a", LEASE) == [DirtyClaim(PROJECT, SCOPE, "a", 2)]
        assert database.claim_dirty("b", LEASE) == []
        assert database.claim_dirty("a", LEASE) == []  # nor twice by the same owner

    def test_the_oldest_marks_are_claimed_first_up_to_the_limit(
        self, database: StateDatabase
    ) -> None:
        for project in ("p1", "p2", "p3"):
            _mark(database, project)
            time.sleep(0.002)  # marks a clock tick apart
        first = database.claim_dirty("a", LEASE, limit=2)
        assert [claim.project for claim in first] == ["p1", "p2"]
        assert [claim.project for claim in database.claim_dirty("b", LEASE, limit=2)] == ["p3"]

    def test_a_run_makes_the_project_clean(self, database: StateDatabase) -> None:
        _mark(database, "web")
        [claim] = database.claim_dirty("a", LEASE)
        database.finish_claim(claim, ran=True)
        assert database.claim_dirty("b", 0.0) == []

    def test_a_mark_during_the_run_keeps_it_dirty_for_any_owner(
        self, database: StateDatabase
    ) -> None:
        _mark(database, "web")
        [claim] = database.claim_dirty("a", LEASE)
        _mark(database, "web")  # a webhook while it runs: the run may have read too early
        database.finish_claim(claim, ran=True)
        [again] = database.claim_dirty("b", LEASE)
        assert (again.project, again.owner, again.marks) == ("web", "b", 2)

    def test_a_claim_given_back_without_a_run_stays_dirty(self, database: StateDatabase) -> None:
        _mark(database, "web")
        [claim] = database.claim_dirty("a", LEASE)
        database.finish_claim(claim, ran=False)  # e.g. its lock was busy
        assert [c.owner for c in database.claim_dirty("b", LEASE)] == ["b"]

    def test_the_claim_of_an_owner_that_died_is_free_after_its_lease(
        self, database: StateDatabase
    ) -> None:
        _mark(database, "web")
        [dead] = database.claim_dirty("a", 1.0)
        assert database.claim_dirty("b", LEASE) == []
        time.sleep(1.1)
        [claim] = database.claim_dirty("b", LEASE)
        assert claim.owner == "b"
        database.finish_claim(dead, ran=True)  # the late owner settles nothing of b's claim
        assert database.claim_dirty("c", 0.0) == []
        database.finish_claim(claim, ran=True)
        assert database.claim_dirty("c", 0.0) == []

    def test_marks_are_kept_per_scope(self, database: StateDatabase) -> None:
        database.store(PROJECT, SCOPE).mark_dirty()
        database.store(
            PROJECT, "website@gitlab:https://gitlab.example/api/v4/acme/web"
        ).mark_dirty()
        claims = database.claim_dirty("a", LEASE, limit=5)
        assert len({claim.scope for claim in claims}) == 2

    def test_owners_claiming_at_once_never_share_a_project(self, database: StateDatabase) -> None:
        projects = [f"p{n}" for n in range(40)]
        for project in projects:
            _mark(database, project)
        claimed: dict[str, list[str]] = {}
        start = threading.Barrier(4)

        def claim(owner: str) -> None:
            start.wait()
            mine = claimed.setdefault(owner, [])
            while batch := database.claim_dirty(owner, LEASE, limit=3):
                mine.extend(claim.project for claim in batch)

        threads = [threading.Thread(target=claim, args=(f"o{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        every = [project for mine in claimed.values() for project in mine]
        assert sorted(every) == sorted(projects)


class TestWebhookDeliveries:
    def test_a_delivery_is_new_once(self, database: StateDatabase) -> None:
        assert database.record_delivery("72d3162e-cc78-11e3-81ab-4c9367dc0958")
        assert not database.record_delivery("72d3162e-cc78-11e3-81ab-4c9367dc0958")
        assert database.record_delivery("another")

    def test_old_deliveries_are_forgotten(self, database: StateDatabase) -> None:
        database.record_delivery("old")
        time.sleep(1.0)
        database.record_delivery("new")
        assert database.forget_deliveries(older_than=0.5) == 1
        assert database.record_delivery("old")
        assert not database.record_delivery("new")

    def test_deliveries_are_seen_by_every_opener(self, backend: Backend) -> None:
        with backend.open() as one, backend.open() as two:
            assert one.record_delivery("d-1")
            assert not two.record_delivery("d-1")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
class TestAcrossConnections:
    def test_claims_from_two_databases_never_overlap(self, backend: Backend) -> None:
        with backend.open() as one, backend.open() as two:
            for n in range(6):
                _mark(one, f"p{n}")
            first = one.claim_dirty("one", LEASE, limit=4)
            second = two.claim_dirty("two", LEASE, limit=4)
            assert len(first) == 4
            assert len(second) == 2
            assert not {c.scope for c in first} & {c.scope for c in second}

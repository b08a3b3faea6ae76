"""A run's side of the write pacing (trackers/pacing.py): its state store keeps the pacers'
write history, and the pacing says how long the run's tracker writes will take.

The trackers layer knows nothing of the state store; the run hands it over here, for as long
as the run has it open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from plansync.config.project import ProjectConfig
from plansync.trackers.pacing import WriteHistory, WritePacer, eta_of, registered_pacer


def _queues(project: ProjectConfig) -> list[tuple[str, str]]:
    return [(queue.host, queue.kind) for queue in project.tracker.write_queues()]


def _pacers(project: ProjectConfig) -> list[WritePacer]:
    found = (registered_pacer(host, kind) for host, kind in _queues(project))
    return [pacer for pacer in found if pacer is not None]


@contextmanager
def history_kept_in(project: ProjectConfig, history: WriteHistory) -> Iterator[None]:
    """The project's pacers keep their writes in `history` (the state database) until the
    block ends."""
    pacers = _pacers(project)
    for pacer in pacers:
        pacer.attach_history(history)
    try:
        yield
    finally:
        for pacer in pacers:
            pacer.detach_history(history)


def writes_eta(project: ProjectConfig, writes: int) -> float | None:
    """Seconds the pacing needs for `writes` more tracker writes of the project (None when
    its writes are not paced)."""
    return eta_of(_queues(project), writes)

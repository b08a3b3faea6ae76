"""The scheduled daemon: every configured project synced on its own interval."""

from plansync.daemon.scheduler import STOP_SIGNALS, RunProject, run_daemon

__all__ = ["STOP_SIGNALS", "RunProject", "run_daemon"]

"""A local, stateful stand-in for GitHub's REST API and GitLab's REST v4 API.

Real PyGithub and python-gitlab clients talk to it over HTTP on loopback, exactly as to the
real services, so adapters are tested end to end without a network. See SandboxServer.
"""

from plansync.sandbox.faults import FaultKind, FaultRule, FaultTiming
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer
from plansync.sandbox.store import BOT, SandboxStore

__all__ = [
    "BOT",
    "FaultKind",
    "FaultRule",
    "FaultTiming",
    "LimitConfig",
    "SandboxServer",
    "SandboxStore",
]

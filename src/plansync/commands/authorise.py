"""Who may command: users with at least the project's `min_permission` on the repository
(GitHub collaborator permission; GitLab access level), or named on its allow list. Bots never.

A user's permission is asked of the tracker once per `cache_minutes`, not per comment: the
answers are kept for the process (the daemon's runs share them).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from plansync.clock import Clock, SystemClock
from plansync.model.remote import Permission

# Every reply plansync posts starts with `<!-- plansync:reply comment=ID -->`, ID being the
# comment it answers: a reply is never a command, and a run that died after posting one finds it.
REPLY_MARKER = "<!-- plansync:reply"
_ANSWERED = re.compile(r"<!-- plansync:reply comment=(\d+) -->")


def reply_marker(comment_id: int) -> str:
    return f"{REPLY_MARKER} comment={comment_id:d} -->"


def answered_comment(body: str) -> int | None:
    """The id of the comment a reply of plansync's answers, None for any other comment."""
    match = _ANSWERED.match(body)
    return int(match.group(1)) if match is not None else None


_CACHE: dict[tuple[str, str], tuple[Permission, datetime]] = {}
_CACHE_LOCK = threading.Lock()


def is_bot(author: str, body: str) -> bool:
    """A comment that is never a command: a bot account's, or one of plansync's replies."""
    return author.lower().endswith("[bot]") or REPLY_MARKER in body


class Authoriser:
    def __init__(
        self,
        where: str,
        permission_of: Callable[[str], Permission],
        minimum: Permission,
        allow: frozenset[str] = frozenset(),
        cache_minutes: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self._where = where  # the tracker and repository: the cache's key with the user
        self._permission_of = permission_of
        self.minimum = minimum
        self._allow = frozenset(name.lower() for name in allow)
        self._ttl = timedelta(minutes=cache_minutes)
        self._clock = clock or SystemClock()

    def may_command(self, user: str) -> bool:
        if user.lower() in self._allow:
            return True
        return self.permission(user) >= self.minimum

    def permission(self, user: str) -> Permission:
        key = (self._where, user.lower())
        now = self._clock.now()
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is not None and now - cached[1] < self._ttl:
            return cached[0]
        found = self._permission_of(user)
        with _CACHE_LOCK:
            _CACHE[key] = (found, now)
        return found


def forget_permissions() -> None:
    """Drop every cached answer (tests; a config reload)."""
    with _CACHE_LOCK:
        _CACHE.clear()

"""Task fields as plans write them: estimates, priorities, statuses, people and issue references.

Every function takes plain text (see `inline.plain`) and returns None / an empty tuple when the
text does not hold the field: a reader never guesses a value.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from plansync.model.plan import Estimate, IssueRef, Priority
from plansync.planfile.link_forms import is_link_form, link_forms

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 8 * MINUTES_PER_HOUR  # a working day
MINUTES_PER_WEEK = 5 * MINUTES_PER_DAY  # a working week

_UNITS: dict[str, int] = {}
for _names, _factor in (
    (("m", "min", "mins", "minute", "minutes"), 1),
    (("h", "hr", "hrs", "hour", "hours"), MINUTES_PER_HOUR),
    (("d", "day", "days"), MINUTES_PER_DAY),
    (("w", "wk", "wks", "week", "weeks"), MINUTES_PER_WEEK),
):
    for _name in _names:
        _UNITS[_name] = _factor

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|wk|w)"
_ESTIMATE = re.compile(
    rf"^(?P<low>{_NUMBER})\s*(?P<low_unit>{_UNIT})?"
    rf"(?:\s*(?:-|–|—|to)\s*(?P<high>{_NUMBER}))?\s*(?P<unit>{_UNIT})$",
    re.IGNORECASE,
)
_COMPOUND = re.compile(r"^(?P<hours>\d+)\s*h(?:rs?|ours?)?\s*(?P<minutes>\d+)\s*m(?:ins?)?$", re.I)
_APPROXIMATE = re.compile(r"^(?:~|≈|approx\.?\s*|about\s+|ca\.?\s*)", re.IGNORECASE)
_TIMEBOX = re.compile(r"^days?\s+(?P<first>\d+)(?:\s*(?:-|–|—|to)\s*(?P<last>\d+))?$", re.I)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


# A plan writes a handful of estimates thousands of times: each is read once (the results are
# immutable).
@lru_cache(maxsize=512)
def parse_estimate(text: str) -> Estimate | None:
    """`90min`, `2h`, `3 days`, `1.5-2 hours`, `~2h`, `1h30m` -> Estimate; else None.

    A day is 8 hours and a week 5 days (working time). For a range the upper bound is
    `minutes` and the lower one `min_minutes`.
    """
    original = text.strip()
    body = _APPROXIMATE.sub("", original.strip("`*_ ")).strip()
    compound = _COMPOUND.match(body)
    if compound is not None:
        minutes = int(compound["hours"]) * MINUTES_PER_HOUR + int(compound["minutes"])
        return Estimate(minutes=minutes, text=original)
    match = _ESTIMATE.match(body)
    if match is None:
        return None
    factor = _UNITS[match["unit"].lower()]
    low_factor = _UNITS[match["low_unit"].lower()] if match["low_unit"] else factor
    if match["high"] is None:
        if match["low_unit"]:
            return None  # `2h d` is no estimate
        return Estimate(minutes=round(_number(match["low"]) * factor), text=original)
    low = round(_number(match["low"]) * low_factor)
    high = round(_number(match["high"]) * factor)
    if high < low:
        return None
    return Estimate(minutes=high, text=original, min_minutes=low)


def timebox_estimate(label: str) -> Estimate | None:
    """`Days 1-2` -> 2 days, `Day 5` -> 1 day: the length of a time box named by its days."""
    match = _TIMEBOX.match(label.strip())
    if match is None:
        return None
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else first
    if last < first:
        return None
    return Estimate(minutes=(last - first + 1) * MINUTES_PER_DAY, text=label.strip())


_PRIORITY_WORDS: dict[str, Priority] = {
    "blocker": Priority.BLOCKER,
    "p0": Priority.BLOCKER,
    "critical": Priority.CRITICAL,
    "crit": Priority.CRITICAL,
    "p1": Priority.CRITICAL,
    "high": Priority.HIGH,
    "p2": Priority.HIGH,
    "medium": Priority.MEDIUM,
    "med": Priority.MEDIUM,
    "p3": Priority.MEDIUM,
    "low": Priority.LOW,
    "p4": Priority.LOW,
}
_WORD = re.compile(r"[A-Za-z0-9]+")


def parse_priority(text: str) -> Priority | None:
    """`🔥 CRITICAL`, `P1`, `HIGH`, `MED`, `BLOCKER`, `P2 HIGH IMPACT (...)` -> Priority.

    The first word decides; decoration before it (emoji, bold) does not count.
    """
    match = _WORD.search(text)
    if match is None:
        return None
    return _PRIORITY_WORDS.get(match.group().lower())


def is_priority_text(text: str) -> bool:
    """Whether text is a priority and nothing more (a cell of a priority column)."""
    words = _WORD.findall(text)
    return len(words) == 1 and words[0].lower() in _PRIORITY_WORDS


_DONE_WORDS = frozenset(
    {"done", "complete", "completed", "closed", "finished", "shipped", "resolved", "x", "yes"}
)
_DONE_MARKS = ("✅", "✔", "☑", "[x]", "[X]")


def is_done_status(text: str) -> bool:
    """A status cell that says the task is done: `done`, `Completed`, `✅ Done`, `[x]`."""
    stripped = text.strip()
    if stripped.startswith(_DONE_MARKS):
        return True
    words = _WORD.findall(stripped)
    return bool(words) and words[0].lower() in _DONE_WORDS


_PEOPLE_SPLIT = re.compile(r"\s*(?:,|;|&|\+|/|\band\b)\s*")
_LOGIN = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9._-]{0,37}[A-Za-z0-9])?$")
_NO_ONE = frozenset({"", "-", "—", "–", "tbd", "tba", "n/a", "na", "none", "nobody", "?"})


def parse_people(text: str) -> tuple[str, ...]:
    """`@alice, bob` -> `("alice", "bob")`: tracker user names, `@` dropped.

    A value that is not a list of user names (`Test Suite Specialist`, `Can be done in
    parallel`) names nobody a tracker could assign, so it gives no one; so do placeholders
    such as `TBD`.
    """
    parts = [p for p in _PEOPLE_SPLIT.split(text.strip()) if p]
    if not parts or not all(_LOGIN.match(p) for p in parts):
        return ()
    people: list[str] = []
    for part in parts:
        name = part.removeprefix("@")
        if name.lower() not in _NO_ONE and name not in people:
            people.append(name)
    return tuple(people)


# `#61`, `#42-45` (a range), `group/project#12`, and GitHub / GitLab issue URLs (GitLab's
# with `/-/`, also its work items'); `ref:GH#510` and `GH-510` are read by `link_forms`.
_ISSUE_URL = re.compile(
    r"https?://(?P<host>[\w.-]+(?::\d+)?)/(?P<repo>[\w.-]+(?:/[\w.-]+)+?)"
    r"(?:(?P<gitlab>/-)?/issues|/-/work_items)/(?P<number>\d+)\b"
)
# The number part of a short reference; the repository before the `#` is read by hand
# (`_repository_before`), as a pattern would rescan long `a-1-1-1...` runs from every start.
_ISSUE_NUMBER = re.compile(r"#(?P<number>\d+)(?:\s*[-–]\s*#?(?P<last>\d+))?(?![\w-])")
_REPO_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")
_MAX_RANGE = 100


def _repository_before(text: str, end: int, floor: int) -> tuple[int, str | None] | None:
    r"""Where a short reference whose `#` is at `end` starts, and its repository.

    `group/project#12` starts at `g`; `#12` after a space starts at `#`; None when the `#`
    is glued to a word or a path that is no repository (`C#1`, `a//b#1`, `&#39;`). The rules
    are those of `(?<![\w/#&])(?:[\w.-]+(?:/[\w.-]+)+)?#`, evaluated in one pass; the
    repository does not reach back before `floor` (the end of the previous reference).
    """
    start = end
    while start > floor and (text[start - 1] in _REPO_CHARS or text[start - 1].isalnum()):
        start -= 1
    run = text[start:end]

    def free(at: int) -> bool:  # what stands before position `at` allows a reference there
        return at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_/#&")

    if run and "/" in run and not run.endswith("/"):
        lowest = run.rfind("//") + 2 if "//" in run else 0
        last_slash = run.rfind("/")
        for offset in range(lowest, last_slash):
            if run[offset] != "/" and free(start + offset):
                return start + offset, run[offset:]
    return (end, None) if free(end) else None


def _url_reference(match: re.Match[str]) -> IssueRef:
    """An issue URL's reference; the tracker it names where its shape says (GitLab's `/-/`
    paths, github.com), else None."""
    host = match["host"]
    if match["gitlab"] or "/-/work_items/" in match.group():
        tracker: str | None = "gitlab"
    elif host.lower() in ("github.com", "www.github.com"):
        tracker = "github"
    else:
        tracker = None
    url = match.group()
    return IssueRef(int(match["number"]), url, match["repo"], url, tracker, host)


def parse_issue_refs(text: str) -> tuple[IssueRef, ...]:
    """Every issue reference in the text, in order, without repeats.

    `#42-45` stands for #42, #43, #44 and #45. Words such as `Internal` or `Multiple` are no
    references. A range longer than 100 issues is read as its first number only. Linear in
    the length of the text. `ref:GH#510`, `ref:GL#7` and `GH-510` are read too (see
    `link_forms`).
    """
    found: list[tuple[int, IssueRef]] = []
    url_starts: list[int] = []
    url_ends: list[int] = []
    for match in _ISSUE_URL.finditer(text):
        url_starts.append(match.start())
        url_ends.append(match.end())
        found.append((match.start(), _url_reference(match)))

    def in_url(at: int) -> bool:
        index = bisect_right(url_starts, at) - 1
        return index >= 0 and at < url_ends[index]

    position = floor = 0
    while (short := _ISSUE_NUMBER.search(text, position)) is not None:
        where = _repository_before(text, short.start(), floor)
        if where is None:
            position = short.start() + 1  # `x#1-#2`: `#2` may still be one
            continue
        position = floor = short.end()
        start, repo = where
        if in_url(start):
            continue  # part of an issue URL, read above
        prefix = f"{repo}#" if repo else "#"
        first = int(short["number"])
        last = int(short["last"]) if short["last"] else first
        if not first <= last <= first + _MAX_RANGE:
            last = first
        for number in range(first, last + 1):
            found.append((start, IssueRef(number, f"{prefix}{number}", repo)))
    found += ((at, ref) for at, ref in link_forms(text) if not in_url(at))
    refs: list[IssueRef] = []
    seen: set[tuple[str | None, int, str | None]] = set()
    for _, ref in sorted(found, key=lambda pair: pair[0]):
        # `ref:GL#5` is no repeat of `#5`: each counts on its own kind of tracker.
        seen_as = (ref.repo, ref.number, ref.tracker if is_link_form(ref) else None)
        if seen_as not in seen:
            seen.add(seen_as)
            refs.append(ref)
    return tuple(refs)

"""What a person can do on "the other side", as POST /_sandbox/act carries it out.

Each act is one JSON object: `action` names the act, the other fields are its arguments (the
table ACTS lists them). Every field is checked before the store is touched, so a refused act
changes nothing; `user` (default the bot) is who acts.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from plansync.sandbox.json_fields import FieldError, JsonFields
from plansync.sandbox.records import ROLES
from plansync.sandbox.serialize_gitlab import REACTION_OF_EMOJI
from plansync.sandbox.store import BOT, DEFAULT_LABEL_COLOR, SandboxStore

Result = dict[str, Any]


@dataclass(frozen=True)
class Act:
    run: Callable[[SandboxStore, JsonFields], Result]
    fields: tuple[str, ...]  # besides "action"


def perform(store: SandboxStore, data: Mapping[str, Any]) -> Result:
    """Carry out one act; FieldError (a ValueError) when the request is not a valid act."""
    action = data.get("action")
    act = ACTS.get(action) if isinstance(action, str) else None
    if act is None:
        raise FieldError(f"Unknown action {action!r}; the actions are {', '.join(sorted(ACTS))}.")
    fields = JsonFields(data, f"act {action}")
    fields.refuse_unknown(("action", *act.fields))
    return act.run(store, fields)


def _user(fields: JsonFields) -> str:
    """Who acts: `user`, or the bot when the field is absent."""
    return _person(fields) if fields.has("user") else BOT


def _person(fields: JsonFields) -> str:
    user = fields.data.get("user")
    if not isinstance(user, str) or not user.strip():
        raise fields.error("user", "a user name")
    return user


def _changes(fields: JsonFields, readers: Mapping[str, Callable[[str], Any]]) -> dict[str, Any]:
    """The fields present in the request, read: an absent field is left as it is."""
    return {key: read(key) for key, read in readers.items() if fields.has(key)}


# issues ----------------------------------------------------------------------------------


def _create_issue(store: SandboxStore, f: JsonFields) -> Result:
    number = store.create_issue(
        f.text("repo"),
        f.text("title"),
        f.opt_text("body") or "",
        labels=f.texts("labels"),
        milestone=f.opt_integer("milestone", minimum=1),
        assignees=f.texts("assignees"),
        user=_user(f),
        pull_request=f.flag("pull_request", False),
    )
    return {"number": number}


def _update_issue(store: SandboxStore, f: JsonFields) -> Result:
    changes = _changes(
        f,
        {
            "title": f.text,
            "body": f.opt_text,
            "labels": f.texts,
            # null takes the issue out of its milestone
            "milestone": lambda key: f.opt_integer(key, minimum=1),
            "assignees": f.texts,
        },
    )
    issue = store.update_issue(f.text("repo"), f.integer("number"), user=_user(f), **changes)
    return {"number": issue.number, "updated_at": issue.updated_at.isoformat()}


def _set_title(store: SandboxStore, f: JsonFields) -> Result:
    issue = store.set_issue_title(
        f.text("repo"), f.integer("number"), f.text("title"), user=_user(f)
    )
    return {"number": issue.number, "title": issue.title}


def _set_body(store: SandboxStore, f: JsonFields) -> Result:
    issue = store.set_issue_body(f.text("repo"), f.integer("number"), f.text("body"), user=_user(f))
    return {"number": issue.number}


def _close_issue(store: SandboxStore, f: JsonFields) -> Result:
    reason = f.choice("reason", ("completed", "not_planned"), "completed")
    issue = store.close_issue(f.text("repo"), f.integer("number"), reason, user=_user(f))
    return {"number": issue.number, "state": issue.state}


def _reopen_issue(store: SandboxStore, f: JsonFields) -> Result:
    issue = store.reopen_issue(f.text("repo"), f.integer("number"), user=_user(f))
    return {"number": issue.number, "state": issue.state}


def _delete_issue(store: SandboxStore, f: JsonFields) -> Result:
    store.delete_issue(f.text("repo"), f.integer("number"))
    return {}


def _move_issue(store: SandboxStore, f: JsonFields) -> Result:
    number = store.move_issue(f.text("repo"), f.integer("number"), f.text("to_repo"), user=_user(f))
    return {"number": number}


def _set_estimate(store: SandboxStore, f: JsonFields) -> Result:
    issue = store.set_time_estimate(
        f.text("repo"), f.integer("number"), f.integer("seconds", minimum=0), user=_user(f)
    )
    return {"number": issue.number, "time_estimate": issue.time_estimate}


# comments --------------------------------------------------------------------------------


def _comment(store: SandboxStore, f: JsonFields) -> Result:
    comment_id = store.add_comment(
        f.text("repo"), f.integer("number"), f.text("body"), user=_user(f)
    )
    return {"id": comment_id}


def _edit_comment(store: SandboxStore, f: JsonFields) -> Result:
    comment = store.edit_comment(f.text("repo"), f.integer("comment_id"), f.text("body"))
    return {"id": comment.id, "updated_at": comment.updated_at.isoformat()}


def _react(store: SandboxStore, f: JsonFields) -> Result:
    name = f.text("reaction")
    if not name or not all(ch.isalnum() or ch in "_+-" for ch in name):
        raise f.error("reaction", 'a reaction such as "+1", "eyes" or "rocket"')
    # The store keeps GitHub's words; GitLab's emoji names for the same reactions map onto them.
    content = REACTION_OF_EMOJI.get(name, name)
    reaction, new = store.add_reaction(
        f.text("repo"), f.integer("comment_id"), content, user=_user(f)
    )
    return {"id": reaction.id, "new": new}


# milestones and labels -------------------------------------------------------------------


def _create_milestone(store: SandboxStore, f: JsonFields) -> Result:
    number = store.create_milestone(
        f.text("repo"),
        f.text("title"),
        f.opt_text("description"),
        f.day("due_on"),
        state=f.choice("state", ("open", "closed"), "open"),
        user=_user(f),
    )
    return {"number": number}


def _update_milestone(store: SandboxStore, f: JsonFields) -> Result:
    changes = _changes(
        f,
        {
            "title": f.text,
            "description": f.opt_text,
            "due_on": f.day,
            "state": lambda key: f.choice(key, ("open", "closed"), "open"),
        },
    )
    milestone = store.update_milestone(f.text("repo"), f.integer("number"), **changes)
    return {"number": milestone.number, "state": milestone.state}


def _create_label(store: SandboxStore, f: JsonFields) -> Result:
    label = store.create_label(
        f.text("repo"),
        f.text("name"),
        f.text("color") if f.has("color") else DEFAULT_LABEL_COLOR,
        f.opt_text("description"),
    )
    return {"id": label.id, "name": label.name}


def _update_label(store: SandboxStore, f: JsonFields) -> Result:
    changes = _changes(f, {"new_name": f.text, "color": f.text, "description": f.opt_text})
    label = store.update_label(f.text("repo"), f.text("name"), **changes)
    return {"id": label.id, "name": label.name}


# people and files ------------------------------------------------------------------------


def _set_permission(store: SandboxStore, f: JsonFields) -> Result:
    # `user` is whose role changes here; `permission` is GitHub's word for `role`.
    key = "permission" if f.has("permission") and not f.has("role") else "role"
    store.set_permission(f.text("repo"), _person(f), f.choice(key, ROLES, ""))
    return {}


def _put_file(store: SandboxStore, f: JsonFields) -> Result:
    if f.has("content_base64") == f.has("content"):
        raise FieldError(
            "Act put_file needs exactly one of 'content' (text, written as UTF-8) or "
            "'content_base64' (any bytes)."
        )
    if f.has("content_base64"):
        try:
            content = base64.b64decode(f.text("content_base64"), validate=True)
        except (binascii.Error, ValueError):
            raise f.error("content_base64", "valid base64") from None
    else:
        content = f.text("content").encode("utf-8")
    stored = store.put_file(f.text("repo"), f.text("path"), content, user=_user(f))
    return {"sha": stored.sha, "commit": stored.commit}


_ISSUE = ("repo", "number", "user")

ACTS: dict[str, Act] = {
    "create_issue": Act(
        _create_issue,
        ("repo", "title", "body", "labels", "milestone", "assignees", "user", "pull_request"),
    ),
    "update_issue": Act(
        _update_issue, (*_ISSUE, "title", "body", "labels", "milestone", "assignees")
    ),
    "set_title": Act(_set_title, (*_ISSUE, "title")),
    "set_body": Act(_set_body, (*_ISSUE, "body")),
    "close_issue": Act(_close_issue, (*_ISSUE, "reason")),
    "reopen_issue": Act(_reopen_issue, _ISSUE),
    "delete_issue": Act(_delete_issue, ("repo", "number")),
    "move_issue": Act(_move_issue, (*_ISSUE, "to_repo")),
    "set_estimate": Act(_set_estimate, (*_ISSUE, "seconds")),
    "comment": Act(_comment, (*_ISSUE, "body")),
    "edit_comment": Act(_edit_comment, ("repo", "comment_id", "body")),
    "react": Act(_react, ("repo", "comment_id", "reaction", "user")),
    "create_milestone": Act(
        _create_milestone, ("repo", "title", "description", "due_on", "state", "user")
    ),
    "update_milestone": Act(
        _update_milestone, ("repo", "number", "title", "description", "due_on", "state")
    ),
    "create_label": Act(_create_label, ("repo", "name", "color", "description")),
    "update_label": Act(_update_label, ("repo", "name", "new_name", "color", "description")),
    "set_permission": Act(_set_permission, ("repo", "user", "role", "permission")),
    "put_file": Act(_put_file, ("repo", "path", "content", "content_base64", "user")),
}

"""What the sandbox store refuses. Each API turns these into its own service's error answer;
Python callers (tests playing a person) see the message."""

from __future__ import annotations

from collections.abc import Iterable


class SandboxStoreError(Exception):
    """Base of every refusal of the sandbox store."""


class UnknownRepoError(SandboxStoreError):
    """No repository of that name (or, with `repo_id`, of that numeric id). The message is
    for HTTP callers too, who can only restart the sandbox with the repository."""

    def __init__(
        self, repo: str, *, serves: Iterable[str] = (), repo_id: int | None = None
    ) -> None:
        names = ", ".join(serves) or "none"
        if repo_id is not None:
            text = (
                f"The sandbox has no repository with id {repo_id} (it serves {names}); "
                "GET /_sandbox/state lists each repository with its id."
            )
        else:
            text = (
                f"The sandbox has no repository {repo!r} (it serves {names}); start the "
                f"sandbox with it: `plansync sandbox --repo {repo}`, repeating --repo for "
                "each repository it should serve."
            )
        super().__init__(text)
        self.repo = repo


class UnknownIssueError(SandboxStoreError):
    def __init__(self, repo: str, number: int, *, deleted: bool = False) -> None:
        what = "was deleted" if deleted else "does not exist"
        super().__init__(f"Issue #{number} of sandbox repository {repo} {what}.")
        self.repo = repo
        self.number = number
        self.deleted = deleted


class UnknownMilestoneError(SandboxStoreError):
    def __init__(self, repo: str, number: int) -> None:
        super().__init__(f"Milestone {number} does not exist in sandbox repository {repo}.")
        self.repo = repo
        self.number = number


class UnknownLabelError(SandboxStoreError):
    def __init__(self, repo: str, name: str) -> None:
        super().__init__(f"Label {name!r} does not exist in sandbox repository {repo}.")
        self.repo = repo
        self.name = name


class UnknownCommentError(SandboxStoreError):
    def __init__(self, repo: str, comment_id: int) -> None:
        super().__init__(f"Comment {comment_id} does not exist in sandbox repository {repo}.")
        self.repo = repo
        self.comment_id = comment_id


class UnknownUserError(SandboxStoreError):
    def __init__(self, username: str) -> None:
        super().__init__(
            f"The sandbox knows no user {username!r}; give them a role with "
            "store.set_permission() or register them with store.add_user()."
        )
        self.username = username


class UnknownFileError(SandboxStoreError):
    def __init__(self, repo: str, path: str) -> None:
        super().__init__(f"File {path!r} does not exist in sandbox repository {repo}.")
        self.repo = repo
        self.path = path


class FileAlreadyExistsError(SandboxStoreError):
    """Creating a file that already exists (GitLab's POST on an existing path)."""

    def __init__(self, repo: str, path: str) -> None:
        super().__init__(
            f"File {path!r} already exists in sandbox repository {repo}; update it instead."
        )
        self.repo = repo
        self.path = path


class StaleFileVersionError(SandboxStoreError):
    """A write named a version of the file that is not the current one."""

    def __init__(self, repo: str, path: str, given: str, current: str | None) -> None:
        now = f"it is now at {current}" if current else "it does not exist any more"
        super().__init__(
            f"File {path!r} in sandbox repository {repo} was written against version {given}, "
            f"but {now}; read it again before writing."
        )
        self.repo = repo
        self.path = path
        self.given = given
        self.current = current


class InvalidFieldError(SandboxStoreError):
    """A field of a write is missing, malformed, or collides with an existing object.

    `code` is GitHub's validation code: "missing_field", "invalid" or "already_exists".
    """

    def __init__(
        self, resource: str, field: str, code: str, value: object = None, detail: str = ""
    ) -> None:
        text = detail or f"{resource}.{field} is {code.replace('_', ' ')}"
        super().__init__(f"{text} (value: {value!r}).")
        self.resource = resource
        self.field = field
        self.code = code
        self.value = value


class ProtectedBranchError(SandboxStoreError):
    """A push through the API to a branch that is protected (only people push there)."""

    def __init__(self, repo: str, branch: str) -> None:
        super().__init__(f"Branch {branch!r} of sandbox repository {repo} is protected.")
        self.repo = repo
        self.branch = branch


class UnknownRefError(SandboxStoreError):
    def __init__(self, repo: str, ref: str) -> None:
        super().__init__(f"No branch or commit {ref!r} in sandbox repository {repo}.")
        self.repo = repo
        self.ref = ref


class RefNotFastForwardError(SandboxStoreError):
    def __init__(self, repo: str, branch: str) -> None:
        super().__init__(
            f"Branch {branch!r} of sandbox repository {repo} moved: not a fast forward."
        )
        self.repo = repo
        self.branch = branch

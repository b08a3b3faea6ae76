"""`plansync init`: a commented starter config for the plan files found under a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plansync.cli.common import fail, out
from plansync.errors import PlansyncError


def init(
    root: Annotated[
        Path, typer.Argument(help="Folder to look for plan files in (default: here).")
    ] = Path("."),
    config: Annotated[Path, typer.Option("--config", help="Where to write the config.")] = Path(
        "config/plansync.toml"
    ),
    kind: Annotated[str, typer.Option(help="Tracker kind: github or gitlab.")] = "github",
    repo: Annotated[
        str | None, typer.Option(help="Repository (owner/name) or project (group/project).")
    ] = None,
) -> None:
    """Write a commented starter config for the plan files found under ROOT.

    Never writes over an existing file.
    """
    from plansync.config.starter import find_plans, starter_config, write_starter_config

    try:
        plans = find_plans(root)
        text = starter_config(root, plans, config_path=config, kind=kind, repo=repo)
        write_starter_config(config, text)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    if plans:
        out.print(f"wrote {config}: {len(plans)} plan file(s):")
        for plan in plans:
            out.print(f"  {plan}")
    else:
        out.print(
            f"wrote {config}: no plan file with tasks found under {root}; list yours in "
            f"`plans` there."
        )
    if repo is None:
        placeholder = "OWNER/REPO" if kind == "github" else "GROUP/PROJECT"
        token = "GITHUB_TOKEN" if kind == "github" else "GITLAB_TOKEN"
        out.print(
            f"Next: set `repo` in [projects.tracker] (now {placeholder}), export {token}, "
            f"then run: plansync sync --dry-run --config {config}",
            markup=False,
        )

"""`plansync check`: the milestones and tasks plansync reads in plan files, as Rich tables or
as plain JSON data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from plansync.cli.common import err, fail, out, plan_paths
from plansync.cli.fix_encoding import fix_encodings
from plansync.config.load import load_config, rules_for
from plansync.errors import PlansyncError
from plansync.model.plan import Estimate, PlanDocument, Task
from plansync.planfile.parse import read_plan


def check(
    paths: Annotated[
        list[Path], typer.Argument(help="Plan files, or folders of them (.md, .markdown, .txt).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="PLANSYNC_CONFIG",
            help="Config file whose [reader] rules steer the reader "
            "(default: config/plansync.toml when it exists).",
        ),
    ] = None,
    fix_encoding: Annotated[
        bool,
        typer.Option(
            "--fix-encoding",
            help="Repair mis-encoded (double-encoded) files: show the diff, then ask before "
            "writing. Exits 1 when a repair was needed but not written.",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --fix-encoding: write without asking.")
    ] = False,
) -> None:
    """Show the milestones and tasks plansync reads in plan files.

    Never changes a file, except with --fix-encoding, on request.
    """
    try:
        cfg = load_config(config)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    files = plan_paths(paths)
    if not files:
        raise fail("no plan files found in " + ", ".join(str(p) for p in paths))
    if fix_encoding:
        if as_json or strict:
            raise fail("--fix-encoding cannot be combined with --json or --strict.")
        raise typer.Exit(fix_encodings(files, yes))
    if yes:
        raise fail("--yes only goes with --fix-encoding.")

    documents = []
    unreadable = 0
    for path in files:
        try:
            documents.append(read_plan(path, rules_for(cfg, path)))
        except PlansyncError as exc:
            unreadable += 1
            err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
    if as_json:
        print(
            json.dumps(
                {"files": [document_to_json(d) for d in documents]}, indent=2, ensure_ascii=False
            )
        )
    else:
        for document in documents:
            print_document(out, document)
    if unreadable:
        raise typer.Exit(2)
    if strict and any(d.warnings for d in documents):
        raise typer.Exit(1)


def document_to_json(document: PlanDocument) -> dict[str, Any]:
    """The `--json` shape of one file; `line` is 1-based."""
    return {
        "path": str(document.path),
        "encoding": {
            "detected": document.encoding.detected,
            "bom": document.encoding.bom,
            "newline": document.encoding.newline,
        },
        "title": document.title,
        "milestones": [{"title": s.title, "line": s.line} for s in document.milestones],
        "tasks": [_task_to_json(t) for t in document.tasks],
        "warnings": [
            {"code": w.code, "message": w.message, "line": w.line} for w in document.warnings
        ],
    }


def _task_to_json(task: Task) -> dict[str, Any]:
    return {
        "key": task.key,
        "id": task.id,
        "title": task.title,
        "done": task.done,
        "kind": task.kind.value,
        "milestone": task.milestone,
        "estimate_minutes": task.estimate.minutes if task.estimate else None,
        "priority": task.priority.value if task.priority else None,
        "assignees": list(task.assignees),
        "depends_on": list(task.depends_on),
        "issue_refs": [ref.text for ref in task.issue_refs],
        "criterion": task.criterion,
        "line": task.line,
    }


def format_estimate(estimate: Estimate | None) -> str:
    if estimate is None:
        return ""
    return estimate.text


def print_document(console: Console, document: PlanDocument) -> None:
    enc = document.encoding
    work = [t for t in document.tasks if not t.criterion]
    criteria = len(document.tasks) - len(work)
    console.rule(f"[bold]{escape(str(document.path))}")
    console.print(
        f"[bold]{escape(document.title or '(no title)')}[/]  "
        f"encoding {enc.detected}{' +BOM' if enc.bom else ''}, {enc.newline} line endings; "
        f"{len(work)} tasks ({sum(t.done for t in work)} done), {criteria} criteria, "
        f"{len(document.milestones)} milestones"
    )

    if document.milestones:
        milestones = Table(title="Milestones", title_justify="left", show_edge=False)
        milestones.add_column("line", justify="right", style="dim")
        milestones.add_column("milestone")
        milestones.add_column("tasks", justify="right")
        milestones.add_column("done", justify="right")
        for section in document.milestones:
            tasks = [t for t in work if t.milestone == section.title]
            milestones.add_row(
                str(section.line),
                escape(section.title),
                str(len(tasks)),
                str(sum(t.done for t in tasks)),
            )
        console.print(milestones)

    if document.tasks:
        console.print(_task_table(document))
    else:
        console.print("[yellow]No tasks found.[/]")

    for warning in document.warnings:
        where = f"line {warning.line}: " if warning.line else ""
        console.print(f"[yellow]warning[/] [{warning.code}] {where}{escape(warning.message)}")
    console.print()


def _task_groups(document: PlanDocument) -> list[tuple[str, list[Task]]]:
    """Tasks grouped by milestone (in milestone order), then those outside any milestone, then
    the criteria; document order inside each group."""
    work = [t for t in document.tasks if not t.criterion]
    groups = [(s.title, [t for t in work if t.milestone == s.title]) for s in document.milestones]
    groups.append(("(no milestone)", [t for t in work if t.milestone is None]))
    groups.append(("criteria (not synced)", [t for t in document.tasks if t.criterion]))
    return [(title, tasks) for title, tasks in groups if tasks]


def _task_table(document: PlanDocument) -> Table:
    table = Table(title="Tasks", title_justify="left", show_edge=False)
    table.add_column("line", justify="right", style="dim")
    table.add_column("key", overflow="fold", ratio=2)
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("status")
    table.add_column("estimate")
    table.add_column("priority")
    table.add_column("refs", overflow="fold")
    for title, tasks in _task_groups(document):
        table.add_row("", f"[bold cyan]{escape(title)}[/]", end_section=False)
        for task in tasks:
            table.add_row(
                str(task.line),
                escape(task.key),
                escape(task.title),
                _status(task),
                format_estimate(task.estimate),
                task.priority.value if task.priority else "",
                escape(", ".join(ref.text for ref in task.issue_refs)),
            )
        table.add_section()
    return table


def _status(task: Task) -> str:
    if task.criterion:
        return "met" if task.done else "unmet"
    return "[green]done[/]" if task.done else "open"

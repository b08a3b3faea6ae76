"""What the commands share: the two consoles, the error exit, plan-file arguments."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

PLAN_SUFFIXES = (".md", ".markdown", ".txt")
CONFIG_HELP = "Config file (default: config/plansync.toml when it exists)."

# Piped output gets room for the task tables instead of Rich's 80-column default (COLUMNS wins).
_PIPE_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
out = Console(highlight=False, width=_PIPE_WIDTH)
err = Console(stderr=True, highlight=False)


def plan_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for its plan files (.md, .markdown, .txt), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in PLAN_SUFFIXES))
        else:
            found.append(path)
    return found


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr; return the exit for the caller to raise."""
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)

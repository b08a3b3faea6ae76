"""`plansync check --fix-encoding`: repair double-encoded plan files, after showing the diff
and, unless told `--yes`, asking."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import typer

from plansync.cli.common import err, out
from plansync.errors import PlansyncError
from plansync.fileio import atomic_write
from plansync.planfile.decode import decode_plan, repair_encoding
from plansync.planfile.parse import read_plan_bytes


def fix_encodings(files: list[Path], yes: bool) -> int:
    """Repair each mis-encoded file after showing its diff. Returns the exit code."""
    code = 0
    for path in files:
        try:
            raw = read_plan_bytes(path)
            decoded = decode_plan(raw, path)
        except PlansyncError as exc:
            err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            code = 2
            continue
        if decoded.encoding.mojibake is None:
            out.print(f"{path}: encoding is fine ({decoded.encoding.detected}), nothing to repair.")
            continue
        repaired = repair_encoding(raw)
        diff = difflib.unified_diff(
            raw.decode("utf-8").splitlines(keepends=True),
            repaired.decode("utf-8").splitlines(keepends=True),
            fromfile=f"{path} (as stored)",
            tofile=f"{path} (repaired from {decoded.encoding.mojibake} double-encoding)",
        )
        sys.stdout.writelines(diff)
        if not yes and not (sys.stdin.isatty() and typer.confirm(f"Write the repaired {path}?")):
            out.print(f"{path}: left unchanged (pass --yes to write the repair).")
            code = max(code, 1)  # a repair was needed and not made: scripts must see it
            continue
        atomic_write(path, repaired)
        out.print(f"{path}: repaired.")
    return code

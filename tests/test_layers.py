"""Imports run one way: a package imports only from the layers below its own.

    errors, fileio, clock, gcpause, stop_signals  no plansync imports but each other's
    model                        frozen types
    planfile | trackers | sandbox  side by side: none imports another
    config                       TOML + environment, each tracker's config model
    state                        the state store
    summary                      figures and rendering of the summaries
    commands                     `/plan` commands in issue comments
    sync                         the engine: observe, reconcile, apply, summarise
    daemon                       the scheduler and its wiring
    cli                          the commands

The imports are read with `ast`, including those inside functions: a late import is still a
dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first. Packages in one tuple sit side by side and may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "fileio", "clock", "gcpause", "stop_signals"),
    ("model",),
    ("planfile", "trackers", "sandbox"),
    ("config",),
    ("state",),
    ("summary",),
    ("commands",),
    ("sync",),
    ("daemon",),
    ("cli",),
    ("__init__", "__main__"),
)
# The bottom layer's modules may import each other (errors is imported by all).
SHARED_BOTTOM = frozenset(LAYERS[0])


def layer_of(module: str) -> tuple[int, str]:
    """(rank, package) of a `plansync.x...` module."""
    top = module.split(".")[1] if "." in module else "__init__"
    for rank, packages in enumerate(LAYERS):
        if top in packages:
            return rank, top
    raise AssertionError(f"{module}: its package {top!r} has no layer in LAYERS")


def imports_of(source: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every plansync import in a module's source."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "plansync":
                for alias in node.names:
                    yield node.lineno, f"plansync.{alias.name}"
            elif node.module.startswith("plansync."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("plansync."):
                    yield node.lineno, alias.name


def violations(sources: Mapping[str, str]) -> list[str]:
    """Every import in `sources` (module name -> source) that runs against the layers."""
    found: list[str] = []
    for module, source in sorted(sources.items()):
        rank, package = layer_of(module)
        for line, imported in imports_of(source):
            if imported == "plansync.__version__" or imported == "plansync":
                continue
            their_rank, their_package = layer_of(imported)
            if their_package == package:
                continue
            if their_rank < rank or (
                their_rank == rank == 0 and {package, their_package} <= SHARED_BOTTOM
            ):
                continue
            found.append(
                f"{module}:{line} imports {imported}, which sits "
                + ("above it" if their_rank > rank else "beside it")
            )
    return found


def source_modules() -> dict[str, str]:
    modules: dict[str, str] = {}
    for path in sorted((SRC / "plansync").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)
        modules[name] = path.read_text(encoding="utf-8")
    return modules


class TestTheLayers:
    def test_every_import_of_plansync_runs_down_the_layers(self) -> None:
        assert violations(source_modules()) == []

    def test_every_package_has_a_layer(self) -> None:
        for module in source_modules():
            layer_of(module)  # raises for a package LAYERS does not name


class TestTheCheckItself:
    @pytest.mark.parametrize(
        ("module", "source", "expected"),
        [
            (
                "plansync.model.plan",
                "from plansync.sync.engine import run_once\n",
                "plansync.model.plan:1 imports plansync.sync.engine, which sits above it",
            ),
            (
                "plansync.trackers.base",
                "def f():\n    from plansync.planfile.parse import parse_plan\n",
                "plansync.trackers.base:2 imports plansync.planfile.parse, which sits beside it",
            ),
            (
                "plansync.state.sqlite",
                "import plansync.summary.render\n",
                "plansync.state.sqlite:1 imports plansync.summary.render, which sits above it",
            ),
            (
                "plansync.summary.figures",
                "from plansync import sync\n",
                "plansync.summary.figures:1 imports plansync.sync, which sits above it",
            ),
        ],
    )
    def test_a_wrong_import_is_named(self, module: str, source: str, expected: str) -> None:
        assert violations({module: source}) == [expected]

    def test_imports_downwards_and_within_a_package_pass(self) -> None:
        source = (
            "from plansync.errors import PlansyncError\n"
            "from plansync.model.plan import Task\n"
            "from plansync.sync.reconcile import reconcile\n"
            "from plansync import __version__\n"
        )
        assert violations({"plansync.sync.engine": source}) == []


class TestTheReadmeLayout:
    """The README's Development section names every package, in the layers' order."""

    def test_it_lists_each_package_once_in_layer_order(self) -> None:
        readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
        section = readme.split("## Development", 1)[1].split("```", 2)[1]
        listed = [
            line.split()[0].rstrip("/")
            for line in section.splitlines()
            if line.startswith("  ") and not line.startswith("   ") and line.strip()
        ]
        packages = sorted(
            p.name for p in (SRC / "plansync").iterdir() if (p / "__init__.py").is_file()
        )
        assert sorted(name for name in listed if not name.endswith(".py")) == packages
        in_layers = [name for layer in LAYERS for name in layer if name in packages]
        assert [name for name in listed if name in packages] == in_layers

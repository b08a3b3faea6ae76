"""`plansync init`: plan files found under a folder, and a starter config that loads as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plansync.config.load import PlansyncConfig, load_config
from plansync.config.project import ProjectConfig
from plansync.config.starter import find_plans, starter_config, write_starter_config
from plansync.errors import ConfigError

CHECKLIST = "# Rollout\n\n- [ ] write the docs\n- [x] ship it\n"
TABLE = "| ID | Task |\n|---|---|\n| T1 | Do it |\n"
PROSE = "# Notes\n\nJust prose, no task.\n"
KEY_LINE = re.compile(r"^[a-z_]+ = ")


def make_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def website(tmp_path: Path) -> Path:
    root = tmp_path / "website"
    make_tree(
        root,
        {
            "ROADMAP.md": TABLE,
            "plans/rollout.md": CHECKLIST,
            "plans/backlog.markdown": CHECKLIST,
            "docs/notes.md": PROSE,
            "docs/todo.txt": CHECKLIST,
            # Not UTF-8 and not repairable: the reader refuses it.
            "docs/broken.md": b"\xff\xfe- [ ] t\x00a\x00s\x00k\x00\x80\n",
            ".git/plan.md": CHECKLIST,
            ".venv/lib/site-packages/pkg/README.md": CHECKLIST,
            ".github/ISSUE_TEMPLATE/task.md": CHECKLIST,
            "node_modules/pkg/CHANGELOG.md": CHECKLIST,
            "build/plans/rollout.md": CHECKLIST,
            "website.egg-info/plan.md": CHECKLIST,
        },
    )
    return root


FOUND = ["ROADMAP.md", "plans/backlog.markdown", "plans/rollout.md"]


def relative(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def write_and_load(root: Path, text: str, config_path: Path | None = None) -> ProjectConfig:
    path = config_path or root / "config" / "plansync.toml"
    write_starter_config(path, text)
    config = load_config(path)
    assert config.root == root.resolve()
    [project] = config.projects
    return project


class TestFindPlans:
    def test_only_markdown_files_with_tasks_outside_tool_folders(self, website: Path) -> None:
        assert relative(website, find_plans(website)) == FOUND

    def test_paths_are_under_the_given_root(self, website: Path) -> None:
        assert find_plans(website) == [website / p for p in FOUND]

    def test_a_folder_with_no_plan_finds_nothing(self, tmp_path: Path) -> None:
        make_tree(tmp_path, {"README.md": PROSE, ".git/x.md": CHECKLIST})
        assert find_plans(tmp_path) == []

    def test_a_missing_folder_is_a_config_error_naming_it(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="nowhere: not a folder"):
            find_plans(tmp_path / "nowhere")


class TestStarterConfigLoads:
    def test_with_the_placeholder_repository(self, website: Path) -> None:
        plans = find_plans(website)
        path = website / "config" / "plansync.toml"
        project = write_and_load(website, starter_config(website, plans, config_path=path))

        assert project.name == "website"
        assert project.plans == FOUND
        assert project.tracker.kind == "github"
        assert project.tracker.repo == "OWNER/REPO"
        assert project.tracker.token_env == "GITHUB_TOKEN"

    def test_with_a_repository_given(self, website: Path) -> None:
        path = website / "config" / "plansync.toml"
        text = starter_config(website, find_plans(website), config_path=path, repo="acme/web")
        project = write_and_load(website, text)
        assert project.tracker.repo == "acme/web"
        assert "Replace the placeholder" not in text

    @pytest.mark.parametrize(
        ("repo", "expected"), [(None, "GROUP/PROJECT"), ("group/sub/project", "group/sub/project")]
    )
    def test_for_gitlab(self, website: Path, repo: str | None, expected: str) -> None:
        path = website / "config" / "plansync.toml"
        text = starter_config(
            website, find_plans(website), config_path=path, kind="gitlab", repo=repo
        )
        project = write_and_load(website, text)
        assert project.tracker.kind == "gitlab"
        assert project.tracker.repo == expected
        assert project.tracker.token_env == "GITLAB_TOKEN"

    def test_the_plans_listed_are_the_files_found(self, website: Path) -> None:
        plans = find_plans(website)
        path = website / "config" / "plansync.toml"
        project = write_and_load(website, starter_config(website, plans, config_path=path))
        config = load_config(path)
        assert [config.root / p for p in project.plans] == [p.resolve() for p in plans]

    def test_a_config_beside_the_plans_has_root_dot(self, website: Path) -> None:
        path = website / "plansync.toml"
        text = starter_config(website, find_plans(website), config_path=path)
        assert 'root = "."' in text
        assert write_and_load(website, text, path).plans == FOUND

    def test_every_value_written_is_the_default(self, website: Path) -> None:
        path = website / "config" / "plansync.toml"
        project = write_and_load(website, starter_config(website, [], config_path=path))
        defaults = ProjectConfig(name=project.name, tracker=project.tracker, plans=project.plans)
        assert project.model_dump() == defaults.model_dump()
        tracker_defaults = type(project.tracker)(repo=project.tracker.repo)
        assert project.tracker.model_dump() == tracker_defaults.model_dump()
        assert load_config(path).settings.state == PlansyncConfig().state

    def test_no_plan_found_gives_a_glob_to_edit(self, tmp_path: Path) -> None:
        path = tmp_path / "config" / "plansync.toml"
        text = starter_config(tmp_path, [], config_path=path)
        assert "No plan file with tasks was found" in text
        assert write_and_load(tmp_path, text).plans == ["plans/*.md"]

    def test_odd_file_names_survive_the_toml_quoting(self, tmp_path: Path) -> None:
        names = ['plans/say "hi".md', "plans/back\\slash.md", "plans/plän ✓.md"]
        make_tree(tmp_path, dict.fromkeys(names, CHECKLIST))
        path = tmp_path / "config" / "plansync.toml"
        project = write_and_load(
            tmp_path, starter_config(tmp_path, find_plans(tmp_path), config_path=path)
        )
        assert sorted(project.plans) == sorted(names)

    @pytest.mark.parametrize(
        ("folder", "name"),
        [("My Plans (2024)", "My-Plans-2024"), (".hidden", "hidden"), ("!!!", "plans")],
    )
    def test_the_project_is_named_after_the_root_folder(
        self, tmp_path: Path, folder: str, name: str
    ) -> None:
        root = tmp_path / folder
        root.mkdir()
        path = root / "plansync.toml"
        assert write_and_load(root, starter_config(root, [], config_path=path), path).name == name


class TestStarterConfigText:
    @pytest.fixture
    def text(self, website: Path) -> str:
        return starter_config(
            website, find_plans(website), config_path=website / "config" / "plansync.toml"
        )

    def test_every_setting_has_a_comment_above_it(self, text: str) -> None:
        lines = text.splitlines()
        keys = [n for n, line in enumerate(lines) if KEY_LINE.match(line)]
        assert len(keys) >= 17
        for n in keys:
            assert lines[n - 1].startswith("#"), f"no comment above {lines[n]!r}"

    def test_every_table_of_the_model_is_there(self, text: str) -> None:
        for table in (
            "[[projects]]",
            "[projects.tracker]",
            "[projects.labels]",
            "[projects.people]",
            "[projects.conflicts]",
        ):
            assert f"\n{table}\n" in text

    def test_lines_fit_in_100_columns(self, website: Path) -> None:
        for kind in ("github", "gitlab"):
            text = starter_config(website, [], config_path=website / "p.toml", kind=kind)
            assert max(len(line) for line in text.splitlines()) <= 100


class TestStarterConfigRefuses:
    def test_a_repository_name_the_tracker_would_refuse(self, tmp_path: Path) -> None:
        with pytest.raises(
            ConfigError, match=r"repository 'not a repo' is not a github .*owner/name"
        ):
            starter_config(tmp_path, [], config_path=tmp_path / "p.toml", repo="not a repo")

    def test_an_unknown_tracker_kind(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="'jira' is not known"):
            starter_config(tmp_path, [], config_path=tmp_path / "p.toml", kind="jira")

    def test_a_plan_outside_the_root(self, tmp_path: Path) -> None:
        root = tmp_path / "root"
        root.mkdir()
        with pytest.raises(ConfigError, match="outside the root folder"):
            starter_config(root, [tmp_path / "elsewhere.md"], config_path=root / "p.toml")


class TestWriteStarterConfig:
    def test_creates_the_folder_and_writes_the_text(self, tmp_path: Path) -> None:
        path = tmp_path / "config" / "plansync.toml"
        write_starter_config(path, "root = '.'\n")
        assert path.read_text(encoding="utf-8") == "root = '.'\n"

    def test_never_replaces_an_existing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "plansync.toml"
        path.write_text("# mine\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="already exists"):
            write_starter_config(path, "root = '.'\n")
        assert path.read_text(encoding="utf-8") == "# mine\n"


class TestRepositoryStarter:
    def test_the_config_reads_the_plans_from_the_repository(self, website: Path) -> None:
        plans = find_plans(website)
        text = starter_config(
            website,
            plans,
            config_path=website / "config" / "plansync.toml",
            repo="acme/website",
            repository=True,
        )
        project = write_and_load(website, text)
        assert project.plans_source.kind == "repository"
        assert project.plans_source.write == "auto"
        assert project.plans_source.branch == ""
        assert project.tracker.repo == "acme/website"
        assert sorted(project.plans) == relative(website, plans)

    def test_init_repository_writes_it(self, website: Path) -> None:
        from typer.testing import CliRunner

        from plansync.cli.app import app

        config = website / "sync.toml"
        result = CliRunner().invoke(
            app, ["init", str(website), "--config", str(config), "--repository", "acme/website"]
        )
        assert result.exit_code == 0, result.stdout
        loaded = load_config(config).projects[0]
        assert loaded.plans_source.kind == "repository"
        assert loaded.tracker.repo == "acme/website"

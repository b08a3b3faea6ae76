"""Config loading: steering rules from TOML, per-file globs, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.config.load import load_config, rules_for
from plansync.errors import ConfigError
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config" / "plansync.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class TestLoading:
    def test_no_file_and_no_default_gives_builtin_rules(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        config = load_config(None)
        assert config.source is None
        assert rules_for(config, tmp_path / "plan.md") == ReaderRules()

    def test_default_location_is_used_when_present(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write(tmp_path, "[reader]\nextra_id_patterns = ['WEB-\\d+']\n")
        monkeypatch.chdir(tmp_path)
        config = load_config(None)
        assert config.source == Path("config/plansync.toml")
        assert rules_for(config, tmp_path / "a.md").extra_id_patterns == (r"WEB-\d+",)

    def test_root_is_relative_to_the_config_file(self, tmp_path: Path) -> None:
        config = load_config(write(tmp_path, 'root = ".."\n'))
        assert config.root == tmp_path.resolve()

    def test_the_example_config_loads(self) -> None:
        example = Path(__file__).resolve().parents[2] / "config" / "plansync.toml"
        config = load_config(example)
        assert config.reader.files, "the example shows a per-file rule"


class TestEnvironment:
    def test_environment_overrides_the_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path, 'root = "nowhere"\n[reader]\nsync_criteria = false\n')
        monkeypatch.setenv("PLANSYNC_ROOT", str(tmp_path))
        monkeypatch.setenv("PLANSYNC_READER__SYNC_CRITERIA", "true")
        config = load_config(path)
        assert config.root == tmp_path.resolve()
        assert rules_for(config, tmp_path / "a.md").sync_criteria is True

    def test_the_config_path_variable_is_not_a_setting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path, "")
        monkeypatch.setenv("PLANSYNC_CONFIG", str(path))
        assert load_config(path).source == path

    def test_a_wrong_environment_value_is_named(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PLANSYNC_READER__SYNC_CRITERIA", "sometimes")
        with pytest.raises(ConfigError, match=r"`reader\.sync_criteria`"):
            load_config(write(tmp_path, ""))


class TestPerFileRules:
    def test_matching_glob_overrides_reader_defaults(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            'root = ".."\n'
            "[reader]\ntask_sections = ['^Backlog']\n"
            "[[reader.files]]\nglob = 'plans/*.md'\ntask_sections = ['^Next steps']\n"
            "sync_criteria = true\n",
        )
        config = load_config(path)
        inside = rules_for(config, tmp_path / "plans" / "q1.md")
        outside = rules_for(config, tmp_path / "notes" / "q1.md")
        assert inside.task_sections == ("^Next steps",)
        assert inside.sync_criteria is True
        assert outside.task_sections == ("^Backlog",)
        assert outside.sync_criteria is False

    def test_a_file_can_be_read_as_a_given_format(self, tmp_path: Path) -> None:
        path = write(
            tmp_path, 'root = ".."\n[[reader.files]]\nglob = "TODO.md"\nformat = "aidevops"\n'
        )
        config = load_config(path)
        assert rules_for(config, tmp_path / "TODO.md").format == "aidevops"
        assert rules_for(config, tmp_path / "plan.md").format is None
        # One todo.txt-style line alone reads as generic; the switch reads it as aidevops.
        raw = b"# TODO\n\n- [ ] Sync script ~8h @alice\n"
        generic = parse_plan(raw, Path("TODO.md"))
        switched = parse_plan(raw, Path("TODO.md"), rules_for(config, tmp_path / "TODO.md"))
        assert (generic.format, generic.tasks[0].title) == ("generic", "Sync script ~8h @alice")
        assert (switched.format, switched.tasks[0].title) == ("aidevops", "Sync script")
        assert switched.tasks[0].assignees == ("alice",)

    def test_an_unknown_format_is_refused_naming_the_formats(self, tmp_path: Path) -> None:
        path = write(tmp_path, '[reader]\nformat = "jira"\n')
        with pytest.raises(ConfigError, match=r"`reader\.format`: expected one of generic, spec"):
            load_config(path)


class TestErrors:
    def test_missing_explicit_file_names_it(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
            load_config(tmp_path / "nope.toml")

    def test_bad_toml_names_the_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, "[reader\n")
        with pytest.raises(ConfigError, match=r"plansync\.toml: not valid TOML"):
            load_config(path)

    def test_unknown_key_is_named(self, tmp_path: Path) -> None:
        path = write(tmp_path, "[reader]\nmilestone_pattern = ['x']\n")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert "plansync.toml" in message
        assert "`reader.milestone_pattern` is not a known setting" in message

    def test_invalid_regex_is_named_with_the_key(self, tmp_path: Path) -> None:
        path = write(tmp_path, "[[reader.files]]\nglob = '*.md'\nextra_id_patterns = ['(']\n")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert "`reader.files[0].extra_id_patterns`" in message
        assert "not a valid regular expression" in message

    def test_wrong_type_says_what_was_expected(self, tmp_path: Path) -> None:
        path = write(tmp_path, "[reader]\ntask_sections = 'Backlog'\n")
        with pytest.raises(ConfigError, match=r"`reader\.task_sections`: .*list"):
            load_config(path)

    def test_the_deletion_check_runs_every_twelve_runs_unless_set(self, tmp_path: Path) -> None:
        project = "[[projects]]\nname = 'p'\nplans = ['*.md']\n{}\n[projects.tracker]\n"
        tracker = "kind = 'github'\nrepo = 'a/b'\n"
        (tmp_path / "config" / "a.md").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "config" / "a.md").write_text("# A\n", encoding="utf-8")
        default = load_config(write(tmp_path, project.format("") + tracker))
        never = load_config(write(tmp_path, project.format("check_deleted_every = 0") + tracker))
        assert [c.projects[0].check_deleted_every for c in (default, never)] == [12, 0]
        negative = write(tmp_path, project.format("check_deleted_every = -1") + tracker)
        with pytest.raises(ConfigError, match=r"`projects\[0\]\.check_deleted_every`: .*0"):
            load_config(negative)


class TestStateLocation:
    def test_a_relative_path_is_taken_from_the_config_files_folder(self, tmp_path: Path) -> None:
        config = load_config(write(tmp_path, 'state = "data/state.db"\n'))
        assert config.state_url == f"sqlite:///{tmp_path / 'config' / 'data' / 'state.db'}"

    def test_the_default_sits_beside_the_config(self, tmp_path: Path) -> None:
        config = load_config(write(tmp_path, ""))
        expected = tmp_path / "config" / ".plansync" / "state.db"
        assert config.state_url == f"sqlite:///{expected}"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("sqlite:///rel/state.db", "config/rel/state.db"),
            ("sqlite:////srv/plansync/state.db", "/srv/plansync/state.db"),
        ],
    )
    def test_a_sqlite_url(self, tmp_path: Path, value: str, expected: str) -> None:
        config = load_config(write(tmp_path, f'state = "{value}"\n'))
        path = Path(expected) if expected.startswith("/") else tmp_path / expected
        assert config.state_url == f"sqlite:///{path}"

    @pytest.mark.parametrize(
        "value",
        [
            "postgresql://plansync@db.example/plansync",
            "postgres://db.example:5433/plansync?sslmode=require",
            "postgresql:///plansync?service=plansync",
        ],
    )
    def test_a_postgresql_url_is_kept_as_given(self, tmp_path: Path, value: str) -> None:
        assert load_config(write(tmp_path, f'state = "{value}"\n')).state_url == value

    @pytest.mark.parametrize(
        "value",
        [
            "postgresql://plansync:s3cr3t-pw@db.example/plansync",
            "postgres://:s3cr3t-pw@db.example/plansync",
            "postgresql://db.example/plansync?password=s3cr3t-pw",
        ],
    )
    def test_a_postgresql_url_with_a_password_is_refused_without_showing_it(
        self, tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, f'state = "{value}"\n'))
        message = str(caught.value)
        assert "`state`" in message
        assert "password" in message
        assert "PGPASSWORD" in message
        assert "s3cr3t-pw" not in message
        monkeypatch.setenv("PLANSYNC_STATE", value)  # nor from the environment
        with pytest.raises(ConfigError, match="PGPASSWORD") as caught:
            load_config(write(tmp_path, ""))
        assert "s3cr3t-pw" not in str(caught.value)

    def test_a_postgresql_url_with_a_port_that_is_no_number_is_refused(
        self, tmp_path: Path
    ) -> None:
        with pytest.raises(ConfigError, match="`state`: not a valid PostgreSQL URL"):
            load_config(write(tmp_path, 'state = "postgresql://db.example:port/plansync"\n'))

    @pytest.mark.parametrize(
        "value",
        ["https://example.com/state.db", "mysql://db.example/plansync", "sqlite:///"],
    )
    def test_another_kind_of_value_is_refused_naming_the_key(
        self, tmp_path: Path, value: str
    ) -> None:
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, f'state = "{value}"\n'))
        message = str(caught.value)
        assert "state" in message
        assert "sqlite:///" in message


def project_toml(name: str, tracker: str) -> str:
    return f'[[projects]]\nname = "{name}"\nplans = ["{name}/*.md"]\n[projects.tracker]\n{tracker}'


WEB = 'kind = "github"\nrepo = "acme/web"\n'
DOCS = 'kind = "github"\nrepo = "acme/docs"\n'


class TestPacingSharedByAHost:
    """Projects on one tracker host share its paced queue of writes, so they must pace it
    alike; a config where they do not is refused when it is read, not at every run."""

    def test_two_projects_pacing_one_host_differently_are_refused_naming_both(
        self, tmp_path: Path
    ) -> None:
        slower = DOCS + "pacing = { min_interval = 2.0, per_minute = 80, per_hour = 300 }\n"
        path = write(tmp_path, project_toml("web", WEB) + project_toml("docs", slower))
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: projects 'web' and 'docs' both write to ")
        assert "api.github.com" in message
        assert "`pacing.min_interval` is 0.75 in 'web' and 2.0 in 'docs'" in message
        assert "`pacing.per_hour` is 500 in 'web' and 300 in 'docs'" in message
        assert "per_minute" not in message  # the same in both: not a difference
        assert "[projects.tracker.pacing]" in message
        assert "\n" not in message

    def test_gitlab_notes_paced_differently_on_one_instance_are_refused(
        self, tmp_path: Path
    ) -> None:
        one = 'kind = "gitlab"\nrepo = "team/one"\nurl = "https://git.example.org"\n'
        two = (
            'kind = "gitlab"\nrepo = "team/two"\nurl = "https://GIT.example.org/"\n'
            "notes_pacing = { min_interval = 0, per_minute = 30 }\n"
        )
        path = write(tmp_path, project_toml("one", one) + project_toml("two", two))
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert "projects 'one' and 'two' both write to git.example.org" in message
        assert "`notes_pacing.per_minute` is 60 in 'one' and 30 in 'two'" in message
        assert "`notes_pacing.per_hour` is unset (no limit) in 'one' and 500 in 'two'" in message

    def test_the_same_pacing_spelled_out_or_left_to_the_defaults_loads(
        self, tmp_path: Path
    ) -> None:
        spelled = DOCS + "pacing = { min_interval = 0.75, per_minute = 80, per_hour = 500 }\n"
        path = write(tmp_path, project_toml("web", WEB) + project_toml("docs", spelled))
        assert [p.name for p in load_config(path).projects] == ["web", "docs"]

    def test_other_hosts_pace_on_their_own(self, tmp_path: Path) -> None:
        enterprise = (
            'kind = "github"\nrepo = "acme/docs"\nbase_url = "https://ghe.example.org/api/v3"\n'
            "pacing = { min_interval = 5 }\n"
        )
        path = write(tmp_path, project_toml("web", WEB) + project_toml("docs", enterprise))
        assert len(load_config(path).projects) == 2

    def test_a_project_with_pacing_off_takes_no_part_in_the_queue(self, tmp_path: Path) -> None:
        off = DOCS + "pacing = { enabled = false }\n"
        path = write(tmp_path, project_toml("web", WEB) + project_toml("docs", off))
        assert len(load_config(path).projects) == 2


class TestDaemonTable:
    def test_the_waits_and_workers_default_and_can_be_set(self, tmp_path: Path) -> None:
        assert (load_config(write(tmp_path, "")).daemon.max_wait_seconds) == 5
        assert load_config(write(tmp_path, "")).daemon.workers == 10
        set_ = load_config(write(tmp_path, "[daemon]\nmax_wait_seconds = 0\nworkers = 32\n"))
        assert (set_.daemon.max_wait_seconds, set_.daemon.workers) == (0, 32)

    @pytest.mark.parametrize(
        ("setting", "key"),
        [
            ("workers = 0", "workers"),
            ("workers = 2.5", "workers"),
            ('workers = "ten"', "workers"),
            ("workers = true", "workers"),
            ('max_wait_seconds = "5"', "max_wait_seconds"),
            ("max_wait_seconds = -1", "max_wait_seconds"),
            ('max_wait_seconds = "5s"', "max_wait_seconds"),
        ],
    )
    def test_a_wrong_value_is_refused_naming_it(
        self, tmp_path: Path, setting: str, key: str
    ) -> None:
        with pytest.raises(ConfigError, match=rf"daemon\.{key}"):
            load_config(write(tmp_path, f"[daemon]\n{setting}\n"))

"""`plansync daemon`'s options: --listen's address, a port already taken, --log-format and the
[daemon] table's secrets, each bad value one clear paragraph with exit 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.cli.daemon import parse_listen
from plansync.config.daemon import DaemonConfig
from plansync.config.load import load_config
from plansync.errors import ConfigError

runner = CliRunner()
CONFIG = """
[[projects]]
name = "demo"
plans = ["*.md"]
[projects.tracker]
kind = "github"
repo = "demo/plans"
"""


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("0.0.0.0:8080", ("0.0.0.0", 8080)),
        ("localhost:0", ("localhost", 0)),
        ("[::]:8080", ("::", 8080)),
        ("[::1]:65535", ("::1", 65535)),
        ("8080", None),
        (":8080", None),
        ("host:", None),
        ("host:65536", None),
        ("host:80:80", None),
        ("::1:8080", None),
    ],
)
def test_listen_addresses(value: str, address: tuple[str, int] | None) -> None:
    assert parse_listen(value) == address


def test_a_bad_listen_value_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["daemon", "--listen", "8080"])
    assert result.exit_code == 2
    assert "--listen '8080': expected HOST:PORT" in result.output


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    config = tmp_path / "plansync.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(
            app, ["daemon", "--config", str(config), "--listen", f"127.0.0.1:{port}"]
        )
    assert result.exit_code == 2, result.output
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_log_format_is_refused() -> None:
    result = runner.invoke(app, ["daemon", "--log-format", "xml"])
    assert result.exit_code == 2
    assert "xml" in result.output


def test_help_names_the_endpoints_and_secrets() -> None:
    result = runner.invoke(app, ["daemon", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for text in ("--listen", "--log-format", "/webhook/github", "/readyz", "/metrics"):
        assert text in result.output
    assert "PLANSYNC_GITHUB_WEBHOOK_SECRET" in " ".join(result.output.split())


class TestDaemonTable:
    def test_secrets_come_from_the_named_variables_in_order(self) -> None:
        config = DaemonConfig(github_secret_env=["NEW", "OLD"])
        environ = {"NEW": "n", "OLD": " o ", "PLANSYNC_GITLAB_WEBHOOK_SECRET": "g"}
        assert config.secrets("github", environ) == [b"n", b"o"]
        assert config.secrets("gitlab", environ) == [b"g"]
        assert config.secrets("github", {"NEW": ""}) == []

    def test_a_secret_written_where_a_variable_name_goes_is_refused_unrepeated(
        self, tmp_path: Path
    ) -> None:
        config = tmp_path / "plansync.toml"
        config.write_text('[daemon]\ngithub_secret_env = ["s3cr3t-value!"]\n', encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(config)
        assert "daemon.github_secret_env" in str(caught.value)
        assert "s3cr3t-value!" not in str(caught.value)

    def test_the_safety_net_must_be_positive(self, tmp_path: Path) -> None:
        config = tmp_path / "plansync.toml"
        config.write_text("[daemon]\nsafety_net_minutes = 0\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="safety_net_minutes"):
            load_config(config)

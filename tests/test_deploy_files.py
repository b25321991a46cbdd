"""The Dockerfile and compose.yaml at the repository root (docs/deploy.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _dockerfile() -> dict[str, list[str]]:
    """Each instruction of the Dockerfile with its arguments (continuations joined)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.setdefault(keyword.upper(), []).append(rest.strip())
    return instructions


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_image_runs_sanxin_serve_as_an_unprivileged_user():
    docker = _dockerfile()
    assert docker["FROM"] == ["python:3.11-slim-bookworm"]
    assert json.loads(docker["ENTRYPOINT"][-1]) == ["sanxin", "serve"]
    assert json.loads(docker["CMD"][-1]) == []
    assert docker["USER"] == ["sanxin"]
    assert json.loads(docker["VOLUME"][-1]) == ["/var/lib/sanxin", "/etc/sanxin/keys"]
    assert any("pip install ." in run for run in docker["RUN"])
    assert any("sanxin collectstatic --noinput" in run for run in docker["RUN"])
    env = " ".join(docker["ENV"])
    assert "SANXIN_DEBUG=0" in env and "SANXIN_STATIC_ROOT=/opt/sanxin/static" in env
    assert "healthz" in docker["HEALTHCHECK"][-1]


def test_compose_runs_sanxin_and_postgres_with_volumes_for_data_and_keys():
    compose = _compose()
    assert set(compose["services"]) == {"sanxin", "worker", "db"}
    assert set(compose["volumes"]) == {"sanxin-data", "postgres-data"}
    sanxin, db = compose["services"]["sanxin"], compose["services"]["db"]
    assert sanxin["build"] == "."
    assert sanxin["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "sanxin-data:/var/lib/sanxin" in sanxin["volumes"]
    assert "./keys:/etc/sanxin/keys:ro" in sanxin["volumes"]
    assert sanxin["environment"]["SANXIN_DATABASE_URL"].startswith("postgres://")
    assert sanxin["env_file"] == [{"path": "./sanxin.env", "required": False}]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "postgres-data:/var/lib/postgresql/data" in db["volumes"]
    # only the machine itself (the reverse proxy) reaches Sanxin; the database is not published
    assert sanxin["ports"] == ["127.0.0.1:8000:8000"]
    assert "ports" not in db


def test_compose_runs_the_background_worker_from_the_same_image():
    """docs/jobs.md: `sanxin worker` must run beside the site, with the same database,
    keys and data directory."""
    services = _compose()["services"]
    sanxin, worker = services["sanxin"], services["worker"]
    assert worker["image"] == sanxin["image"] and worker["entrypoint"] == ["sanxin", "worker"]
    assert worker["environment"] == sanxin["environment"]
    assert worker["volumes"] == sanxin["volumes"] and "ports" not in worker
    assert worker["depends_on"]["db"] == {"condition": "service_healthy"}
    assert worker["restart"] == "unless-stopped"


def _docker_compose() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.mark.skipif(not _docker_compose(), reason="docker compose is not installed")
def test_docker_compose_config_validates():
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

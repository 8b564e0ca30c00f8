"""compose.yaml, nginx, Prometheus, Grafana and the Dockerfile agree with each other and with the app."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import casino_club.ops.metrics  # noqa: F401  - registers the app's metrics
from casino_club.config import Env, Settings
from tests.support.servers import ROOT

APPS = ("app1", "app2")
_VAR = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def load(path: str) -> dict:
    """A YAML file of the repository."""
    return yaml.safe_load((ROOT / path).read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error} substitution."""
    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == "-" else ""
    return _VAR.sub(sub, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return load("compose.yaml")


def test_compose_services_and_dependencies(compose: dict) -> None:
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", *APPS, "nginx", "prometheus", "grafana"}
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["casino-club", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for app in APPS:
        deps = services[app]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"
        assert "ports" not in services[app]  # only nginx is published
    assert {d: c["condition"] for d, c in services["nginx"]["depends_on"].items()} == {
        a: "service_healthy" for a in APPS}
    assert services["nginx"]["ports"] == ["8080:8080"]
    for internal in ("prometheus", "grafana"):
        assert all(p.startswith("127.0.0.1:") for p in services[internal]["ports"])
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith(".")}
    assert named <= set(compose["volumes"])
    for s in services.values():
        for v in s.get("volumes", []):
            if v.startswith("./"):
                assert (ROOT / v.split(":")[0]).exists(), v


def test_compose_app_environment_is_valid_production_settings(compose: dict) -> None:
    env_block = compose["services"]["app1"]["environment"]
    assert compose["services"]["app2"]["environment"] == env_block
    settings_fields = set(Settings.model_fields)
    for name in env_block:
        if name.startswith("CASINO_"):
            assert name.removeprefix("CASINO_").lower() in settings_fields, f"{name} is not a setting"
    with pytest.raises(KeyError, match="CASINO_SECRET_KEY"):  # compose refuses to start without a secret
        interpolate(env_block["CASINO_SECRET_KEY"], {})
    shell = {"CASINO_SECRET_KEY": "k" * 64}
    values = {k.removeprefix("CASINO_").lower(): interpolate(str(v), shell)
              for k, v in env_block.items() if k.startswith("CASINO_") and v is not None}
    for key in ("cors_origins", "allowed_ws_origins"):
        values[key] = json.loads(values[key])
        assert values[key] == ["http://localhost:8080"]
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
    assert settings.env == Env.PRODUCTION
    assert settings.database_url.startswith("postgresql+asyncpg://") and settings.redis_url
    settings.check_production_safety()  # the documented setup starts
    assert settings.payment_mode == "pending"  # purchases wait for the real gateway's signed webhook


def test_nginx_balances_the_compose_apps() -> None:
    conf = (ROOT / "deploy/nginx.conf").read_text()
    upstream = re.search(r"upstream casino_app \{(.*?)\}", conf, re.S)
    assert upstream
    assert re.findall(r"server (\w+):8000", upstream.group(1)) == list(APPS)
    assert "listen 8080;" in conf and "gzip              on;" in conf
    realtime = re.search(r"location /api/realtime/ \{(.*?)\}", conf, re.S)
    assert realtime and "Upgrade           $http_upgrade" in realtime.group(1)
    assert "X-Forwarded-Proto" in conf  # HSTS and secure cookies depend on it
    assert re.search(r"location = /metrics \{\s*return 404;", conf)
    limit = re.search(r"client_max_body_size (\d+)m;", conf)
    assert limit and int(limit.group(1)) * 1024 * 1024 == Settings.model_fields["max_body_bytes"].default


def test_prometheus_scrapes_every_app() -> None:
    prom = load("deploy/prometheus/prometheus.yml")
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "casino-club")
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == [f"{a}:8000" for a in APPS]


def test_grafana_dashboard_uses_exported_metrics() -> None:
    exported = {m.name for m in REGISTRY.collect() if m.name.startswith("casino_")}
    dashboard = (ROOT / "deploy/grafana/dashboards/casino.json").read_text()
    json.loads(dashboard)
    used = set(re.findall(r"casino_[a-z_]+", dashboard))
    base = {re.sub(r"_(bucket|count|sum|total)$", "", u) for u in used}
    assert base <= exported, base - exported
    assert exported <= base, f"metrics missing from the dashboard: {exported - base}"
    datasource = load("deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"


def test_dockerfile_matches_the_cli() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["casino-club", "serve", "--host", "0.0.0.0", "--port", "8000"]' in text
    assert "/health" in text and "EXPOSE 8000" in text and "USER casino" in text
    assert "uv sync --frozen --no-dev" in text


def _compose() -> list[str] | None:
    """docker-compose, or the docker CLI's compose plugin, whichever this machine has."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True,
                                                 timeout=30).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(_compose() is None, reason="no docker compose (make test installs it as root); YAML checks ran")
def test_docker_compose_config_accepts_it() -> None:
    cmd = _compose()
    assert cmd is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASINO_")}
    ok = subprocess.run([*cmd, "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True, text=True,
                        env={**env, "CASINO_SECRET_KEY": "k" * 64}, cwd=Path(ROOT), timeout=60)
    if ok.returncode != 0 and "Cannot connect" in ok.stderr:
        pytest.skip("docker CLI present but unusable here")
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run([*cmd, "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True,
                             text=True, env=env, cwd=Path(ROOT), timeout=60)
    assert missing.returncode != 0 and "CASINO_SECRET_KEY" in missing.stderr


def test_client_ip_comes_only_from_nginx(compose: dict) -> None:
    # Issue 20 item 3: the apps trust the forwarded headers from nginx's fixed address only, and nginx
    # overwrites X-Forwarded-For with the address it saw instead of appending to the client's value.
    conf = (ROOT / "deploy/nginx.conf").read_text()
    forwarded = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+?);", conf, re.I)
    assert forwarded and set(forwarded) == {"$remote_addr"}, forwarded
    assert "$proxy_add_x_forwarded_for" not in conf
    services = compose["services"]
    nginx_ip = services["nginx"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(nginx_ip) in ipaddress.ip_network(subnet)
    for app in APPS:
        assert services[app]["environment"]["FORWARDED_ALLOW_IPS"] == nginx_ip


def test_nginx_drops_slow_clients_and_caps_connections() -> None:
    # Issue 20 item 9: trickling headers/bodies are timed out and connections per client address capped.
    conf = (ROOT / "deploy/nginx.conf").read_text()
    for directive in ("client_header_timeout", "client_body_timeout"):
        value = re.search(rf"^\s*{directive}\s+(\d+)s;", conf, re.M)
        assert value and 1 <= int(value.group(1)) <= 30, directive
    zone = re.search(r"limit_conn_zone \$binary_remote_addr zone=(\w+):\d+m;", conf)
    assert zone
    server = re.search(r"\n    server \{(.*)\n    \}", conf, re.S)
    assert server and re.search(rf"limit_conn {zone.group(1)} \d+;", server.group(1))

"""Static checks of deploy/: docker-compose, Kubernetes manifests and the Dockerfile.

Nothing here starts containers (no Docker engine on CI machines); it checks structure and that every
EARSHOT_* variable is a real Settings field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from earshot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
APP_SERVICES = {"ingest-webhook": ["ingest", "webhook"], "worker-1": ["worker"], "worker-2": ["worker"]}
EARSHOT_KEY = re.compile(r"\bEARSHOT_[A-Z0-9_]+\b")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _k8s_docs() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                yield path, doc


def _settings_env(key: str) -> bool:
    return key.startswith("EARSHOT_") and key[len("EARSHOT_"):].lower() in Settings.model_fields


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return containers


def test_every_earshot_variable_in_deploy_is_a_settings_field() -> None:
    files = [DEPLOY / "docker-compose.yml", DEPLOY / "Dockerfile", *sorted(K8S.glob("*.yaml"))]
    used = {key for f in files for key in EARSHOT_KEY.findall(f.read_text(encoding="utf-8"))}
    assert len(used) >= 10
    build_time = {"EARSHOT_REQUIRE_COMPILED", "EARSHOT_PURE_PYTHON"}  # read by setup.py, not by Settings
    assert sorted(k for k in used - build_time if not _settings_env(k)) == []


def test_compose_services() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) >= {"kafka", "kafka-init", "clickhouse", *APP_SERVICES}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    assert any(v.endswith(":/var/lib/clickhouse") for v in services["clickhouse"]["volumes"])
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        if name != "kafka-init":
            assert service["restart"] in {"always", "unless-stopped"}, name
            assert service["healthcheck"]["test"], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith((".", "/")) or source in compose["volumes"], f"{name}: {volume}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_compose_app_services_run_earshot(name: str) -> None:
    service = _compose()["services"][name]
    assert service["command"] == APP_SERVICES[name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    env = service["environment"]
    assert env["EARSHOT_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["EARSHOT_CLICKHOUSE_URL"].startswith("clickhouse://")
    assert "@clickhouse:9000/earshot" in env["EARSHOT_CLICKHOUSE_URL"]
    host_key = "EARSHOT_WEBHOOK_HOST" if name == "ingest-webhook" else "EARSHOT_WORKER_WEB_HOST"
    assert env[host_key] == "0.0.0.0"
    assert {"kafka-init", "clickhouse"} <= set(service["depends_on"])


def test_compose_init_creates_every_pipeline_topic() -> None:
    compose = _compose()
    init = compose["services"]["kafka-init"]
    script = "\n".join(init["command"])
    loop = re.search(r"for topic in ([^;]+);", script)
    assert loop is not None
    defaults = Settings.model_fields
    wanted = {defaults[f].default for f in ("topic_raw", "topic_enriched", "topic_deadletter", "topic_alerts")}
    assert set(loop.group(1).split()) == wanted
    assert init["environment"]["PARTITIONS"] == compose["x-earshot-env"]["EARSHOT_PARTITIONS"]
    assert "--if-not-exists" in script


def test_k8s_documents_are_well_formed() -> None:
    docs = list(_k8s_docs())
    kinds = {doc["kind"] for _, doc in docs}
    assert kinds >= {"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "StatefulSet", "Kustomization"}
    for path, doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), path.name
        if doc["kind"] == "Kustomization":
            continue
        assert doc["metadata"]["name"], path.name
        if doc["kind"] == "Deployment" or doc["kind"] == "StatefulSet":
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), path.name
            assert _containers(doc) and all(c.get("image") for c in _containers(doc)), path.name


def test_kustomization_lists_existing_manifests_in_one_namespace() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    resources = kustomization["resources"]
    assert all((K8S / r).is_file() for r in resources)
    listed = set(resources)
    for path, doc in _k8s_docs():
        if path.name in listed and doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == kustomization["namespace"], path.name
    unlisted = {p.name for p in K8S.glob("*.yaml")} - listed - {"kustomization.yaml"}
    assert all(".example." in name for name in unlisted), unlisted


def _by_name(kind: str, name: str) -> dict[str, Any]:
    return next(doc for _, doc in _k8s_docs() if doc["kind"] == kind and doc["metadata"]["name"] == name)


def test_k8s_worker_deployment() -> None:
    worker = _by_name("Deployment", "earshot-worker")
    assert worker["spec"]["replicas"] == 2
    (container,) = _containers(worker)
    assert container["args"] == ["worker"]
    port = next(p for p in container["ports"] if p["name"] == "web")
    assert port["containerPort"] == Settings.model_fields["worker_web_port"].default
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["EARSHOT_WORKER_WEB_HOST"] == "0.0.0.0"
    assert int(env["EARSHOT_WORKER_WEB_PORT"]) == port["containerPort"]
    for probe in ("readinessProbe", "livenessProbe"):
        check = container[probe].get("httpGet") or container[probe]["tcpSocket"]
        assert check["port"] == "web"
    refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert refs == {"earshot-settings", "earshot-secrets"}


def test_k8s_webhook_service_targets_the_container_port() -> None:
    deployment = _by_name("Deployment", "earshot-webhook")
    service = _by_name("Service", "earshot-webhook")
    (container,) = _containers(deployment)
    assert container["args"] == ["ingest", "webhook"]
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    (svc_port,) = service["spec"]["ports"]
    assert svc_port["targetPort"] in port_names
    assert port_names[svc_port["targetPort"]] == Settings.model_fields["webhook_port"].default
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_k8s_configmaps_and_secret() -> None:
    settings = _by_name("ConfigMap", "earshot-settings")["data"]
    assert all(_settings_env(k) for k in settings)
    assert all(isinstance(v, str) for v in settings.values())  # ConfigMap values must be strings
    watchlist = _by_name("ConfigMap", "earshot-watchlist")["data"]["watchlist.yaml"]
    assert watchlist == (ROOT / "config" / "watchlist.yaml").read_text(encoding="utf-8")
    assert Path(settings["EARSHOT_WATCHLIST"]).name == "watchlist.yaml"
    secret = _by_name("Secret", "earshot-secrets")
    assert secret["type"] == "Opaque"
    assert {"EARSHOT_KAFKA_SASL_PASSWORD", "EARSHOT_CLICKHOUSE_URL"} <= set(secret["stringData"])
    assert all("CHANGE-ME" in v for k, v in secret["stringData"].items() if "PASSWORD" in k)


def test_strimzi_topics_match_partitions() -> None:
    partitions = int(_by_name("ConfigMap", "earshot-settings")["data"]["EARSHOT_PARTITIONS"])
    topics = {doc["metadata"]["name"]: doc for _, doc in _k8s_docs() if doc["kind"] == "KafkaTopic"}
    defaults = Settings.model_fields
    assert set(topics) == {defaults[f].default for f in ("topic_raw", "topic_enriched", "topic_deadletter",
                                                         "topic_alerts")}
    assert all(t["spec"]["partitions"] == partitions for t in topics.values())


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert froms and all(f == "python:3.11-slim" for f in froms)
    user = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    assert 'ENTRYPOINT ["earshot"]' in text
    for package in ("earshot", "schemas", "enrich", "ingest", "pipeline", "sinks"):
        assert f"COPY {package}/ {package}/" in text, package


# -- metrics scraping (issue 7: Prometheus scrapes every process's /metrics) ---------------------------

METRICS_DEPLOYMENTS = {"earshot-worker": "worker_web_port", "earshot-webhook": "webhook_port"}
"""Deployments that serve GET /metrics, and the Settings field of the port they serve it on."""


def test_metrics_serving_deployments_have_scrape_annotations() -> None:
    deployments = {doc["metadata"]["name"]: doc for _, doc in _k8s_docs() if doc["kind"] == "Deployment"}
    assert set(METRICS_DEPLOYMENTS) <= set(deployments)
    for name in METRICS_DEPLOYMENTS:
        doc = deployments[name]
        annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
        ports = {p["containerPort"] for c in _containers(doc) for p in c.get("ports", [])}
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert annotations.get("prometheus.io/path") == "/metrics", name
        port = annotations.get("prometheus.io/port")
        assert isinstance(port, str) and int(port) in ports, name  # annotation values must be strings
        assert int(port) == Settings.model_fields[METRICS_DEPLOYMENTS[name]].default, name


def test_worker_probes_use_readyz_and_healthz() -> None:
    (container,) = _containers(_by_name("Deployment", "earshot-worker"))
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    (webhook,) = _containers(_by_name("Deployment", "earshot-webhook"))
    assert webhook["livenessProbe"]["httpGet"]["path"] == "/healthz"  # the receiver has no /readyz


@pytest.mark.parametrize("deployment", sorted(METRICS_DEPLOYMENTS))
def test_metrics_services_have_a_named_metrics_port_on_the_pods(deployment: str) -> None:
    doc = _by_name("Deployment", deployment)
    service = _by_name("Service", f"{deployment}-metrics")
    assert service["spec"]["clusterIP"] == "None"  # headless: one scrape target per pod
    assert service["spec"]["selector"].items() <= doc["spec"]["template"]["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    assert port["name"] == "metrics"
    container_ports = {p["name"]: p["containerPort"] for c in _containers(doc) for p in c["ports"]}
    assert container_ports[port["targetPort"]] == port["port"]
    annotations = doc["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == port["port"]


def test_servicemonitor_example_selects_the_metrics_services() -> None:
    (monitor,) = [doc for path, doc in _k8s_docs() if path.name == "servicemonitor.example.yaml"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1" and monitor["kind"] == "ServiceMonitor"
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = {doc["metadata"]["name"] for _, doc in _k8s_docs()
                if doc["kind"] == "Service" and selector.items() <= doc["metadata"].get("labels", {}).items()}
    assert selected == {f"{d}-metrics" for d in METRICS_DEPLOYMENTS}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [monitor["metadata"]["namespace"]]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "servicemonitor.example.yaml" not in kustomization["resources"]  # needs the operator's CRDs


def test_compose_prometheus_scrapes_every_earshot_service() -> None:
    compose = _compose()
    services = compose["services"]
    prometheus = services["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    config_file = DEPLOY / mounts["/etc/prometheus/prometheus.yml"]
    assert config_file.is_file()
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    targets: dict[str, str] = {}
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            for target in static["targets"]:
                targets[target] = job.get("metrics_path", "/metrics")
    expected = set()
    for name, service in services.items():
        command = service.get("command")
        if command == ["worker"]:
            port = service["environment"]["EARSHOT_WORKER_WEB_PORT"]
        elif command == ["ingest", "webhook"]:
            port = service["environment"]["EARSHOT_WEBHOOK_PORT"]
        else:
            continue
        expected.add(f"{name}:{port}")
    assert expected == {t for t in targets if not t.startswith("localhost:")}
    assert all(path == "/metrics" for t, path in targets.items() if t in expected)
    assert set(prometheus["depends_on"]) == {t.split(":")[0] for t in expected}

"""The deployment files (deploy/kubernetes/, deploy/compose.yml), checked without a cluster or docker.

First the schemas: kubernetes-validate (the Kubernetes API's JSON schemas, shipped inside the
package) and the Compose Specification's schema (vendored by check-jsonschema). Then what a
schema cannot see: probes on declared ports, Services that select pods, every Secret and
ConfigMap key a container reads, placeholders that production refuses, the same commands and
environment names in both files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from actions.deployment import ProductionRefused, check_production_secret

ROOT = Path(__file__).resolve().parents[3]
KUBE = ROOT / "deploy" / "kubernetes"
SECRET_TEMPLATE = "secret-template.yaml"
# The oldest Kubernetes we claim to support, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30", "1.37")
# The three processes of the health contract: GET /healthz, /readyz and /metrics on their port.
APP_PARTS = {"rasa": 5005, "action-server": 5055, "web": 8080}

Doc = dict[str, Any]


def load(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomization() -> Doc:
    return load(KUBE / "kustomization.yaml")[0]


def manifests() -> list[tuple[str, Doc]]:
    """(file name, object) for every manifest, the Secret template included."""
    names = [*kustomization()["resources"], SECRET_TEMPLATE]
    return [(name, doc) for name in names for doc in load(KUBE / name)]


def of_kind(*kinds: str) -> list[Doc]:
    return [doc for _, doc in manifests() if doc["kind"] in kinds]


def workloads() -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in of_kind("Deployment", "StatefulSet")}


def pod(workload: Doc) -> Doc:
    return workload["spec"]["template"]["spec"]


def main_container(workload: Doc) -> Doc:
    (container,) = pod(workload)["containers"]
    return container


def ports(container: Doc) -> set[int | str]:
    declared = container.get("ports", [])
    return {p["containerPort"] for p in declared} | {p["name"] for p in declared if "name" in p}


def compose() -> Doc:
    return yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text())


def secret_template() -> dict[str, str]:
    (secret,) = load(KUBE / SECRET_TEMPLATE)
    return secret["stringData"]


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    on_disk = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE}
    assert sorted(kustomization()["resources"]) == sorted(on_disk)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_match_the_kubernetes_schemas(version: str) -> None:
    errors = []
    for name, doc in manifests():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as error:
            errors.append(f"{name} {doc['kind']}/{doc['metadata']['name']}: {error}")
    assert not errors, "\n".join(errors)


def test_kustomize_builds_the_same_objects() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize` not checked (the schemas still are)")
    built = subprocess.run(
        [kubectl, "kustomize", str(KUBE)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    listed = {(d["kind"], d["metadata"]["name"]) for _, d in manifests() if d["kind"] != "Secret"}
    assert {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(built) if d} == listed


def test_compose_file_matches_the_compose_specification() -> None:
    vendored = files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    validator = jsonschema.Draft202012Validator(json.loads(vendored.read_text()))
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose())]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", sorted(workloads()))
def test_every_container_is_probed_limited_and_locked_down(name: str) -> None:
    spec = pod(workloads()[name])
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec.get("restartPolicy", "Always") == "Always"
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}
        assert set(container["resources"]["limits"]) == {"cpu", "memory"}
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
    for container in spec["containers"]:
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name}/{container['name']} has no {probe}"
            http = container[probe].get("httpGet")
            assert http is None or http["port"] in ports(container), f"{name} {probe} on an undeclared port"


@pytest.mark.parametrize(("name", "port"), sorted(APP_PARTS.items()))
def test_app_parts_follow_the_health_contract(name: str, port: int) -> None:
    workload = workloads()[name]
    container = main_container(workload)
    assert port in ports(container)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    annotations = workload["spec"]["template"]["metadata"]["annotations"]
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/path"]) == ("true", "/metrics")
    assert annotations["prometheus.io/port"] == str(port)


def test_services_ingress_and_policies_reach_existing_pods_and_ports() -> None:
    def selected(selector: dict[str, str]) -> list[Doc]:
        return [
            w for w in workloads().values()
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]  # fmt: skip

    services = {doc["metadata"]["name"]: doc for doc in of_kind("Service")}
    for name, service in services.items():
        (workload,) = selected(service["spec"]["selector"])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports(main_container(workload)), f"Service {name}"
    for policy in of_kind("NetworkPolicy"):
        assert selected(policy["spec"]["podSelector"]["matchLabels"]), policy["metadata"]["name"]
    routes = {}
    for ingress in of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services[backend["name"]]
                assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
                routes[path["path"]] = backend["name"]
    # The public surface of docs/security.md: Rasa's API, REST channel and the action server stay private.
    assert routes == {"/socket.io/": "rasa", "/": "web"}


def test_every_secret_and_configmap_key_read_exists() -> None:
    configmaps = {doc["metadata"]["name"]: doc["data"] for doc in of_kind("ConfigMap")}
    secret_keys_read = set()
    for name, workload in workloads().items():
        for container in [*pod(workload).get("initContainers", []), *pod(workload)["containers"]]:
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps, name
            for var in container.get("env", []):
                ref = var.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["name"] == "assistant-secrets", name
                    secret_keys_read.add(ref["secretKeyRef"]["key"])
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["key"] in configmaps[ref["configMapKeyRef"]["name"]], name
    # Both ways: no container reads a key the template lacks, no placeholder is left unused.
    assert secret_keys_read == set(secret_template())


@pytest.mark.parametrize("key", sorted(secret_template()))
def test_production_refuses_every_placeholder_of_the_secret_template(key: str) -> None:
    with pytest.raises(ProductionRefused):
        check_production_secret(key, secret_template()[key])


def test_commands_name_files_of_the_repository_and_match_compose() -> None:
    rasa = main_container(workloads()["rasa"])["command"]
    for option in ("--endpoints", "--credentials"):
        assert (ROOT / rasa[rasa.index(option) + 1]).is_file()
    model = rasa[rasa.index("--model") + 1]
    assert re.search(rf"^MODEL \?= {re.escape(model)}$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert f"COPY {model} " in (ROOT / "deploy" / "docker" / "Dockerfile.rasa").read_text()
    actions = main_container(workloads()["action-server"])["command"]
    assert (ROOT / actions[actions.index("--actions") + 1] / "__init__.py").is_file()
    for name in APP_PARTS:
        assert compose()["services"][name]["command"] == main_container(workloads()[name])["command"], name


@pytest.mark.parametrize("name", ["redis", "llm", "action-server", "rasa", "web"])
def test_compose_gives_each_part_the_environment_names_kubernetes_gives_it(name: str) -> None:
    configmaps = {doc["metadata"]["name"]: doc["data"] for doc in of_kind("ConfigMap")}
    container = main_container(workloads()[name])
    kubernetes = {var["name"] for var in container.get("env", [])}
    for source in container.get("envFrom", []):
        kubernetes |= set(configmaps[source["configMapRef"]["name"]])
    assert set(compose()["services"][name]["environment"]) == kubernetes


def test_compose_variables_are_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{(\w+)", (ROOT / "deploy" / "compose.yml").read_text()))
    documented = set(re.findall(r"^# (\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert used - documented == set()


def test_redis_keeps_its_data_and_never_evicts_in_both() -> None:
    # Production refuses a Redis without persistence or with an allkeys-* policy (docs/deploy.md).
    kubernetes = " ".join(main_container(workloads()["redis"])["args"])
    for command in (kubernetes, compose()["services"]["redis"]["command"][0]):
        for setting in ("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction"):
            assert setting in command

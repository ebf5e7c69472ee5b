"""deploy/helm/flex-watchdog: lint, render, validate, and keep it in step with the image.

Rendering uses helm-python-sdk (Helm's Go engine, no helm binary). Every rendered object is
validated with kubernetes-validate in strict mode; the prometheus-operator CRDs, which it does not
know, are checked against small schemas below. The PrometheusRule is also run through promtool.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy import prom as ph

try:
    import helm_python
except ImportError:  # pragma: no cover - the test extra installs it
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("helm-python-sdk not installed (pip install -e '.[test]')", allow_module_level=True)
try:
    import kubernetes_validate
except ImportError:  # pragma: no cover
    if os.environ.get("CI", "").lower() == "true":
        raise
    kubernetes_validate = None

helm_python.disable_logging()

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "flex-watchdog"
CI_VALUES = yaml.safe_load((CHART / "ci" / "test-values.yaml").read_text())
RULES_SOURCE = ROOT / "deploy" / "prometheus" / "flex-watchdog-rules.yaml"
DASHBOARD_SOURCE = ROOT / "grafana" / "flex-watchdog.json"
PROMTOOL_TEST = ROOT / "tests" / "deploy" / "promtool" / "flex-watchdog-rules.test.yaml"
RELEASE, NAMESPACE = "flex-watchdog", "contact-center"
STATE_DIR = "/var/lib/flex-watchdog"
PORT = 9464
UID = 10001
# The floor the test extra guarantees (kubernetes-validate>=1.33) and the newest it ships.
KUBE_VERSIONS = sorted({"1.33.0", kubernetes_validate.latest_version()}
                       if kubernetes_validate else set())
CRD_API = "monitoring.coreos.com/v1"

VALUE_SETS: dict[str, dict[str, Any]] = {
    "default": {},
    "ci": CI_VALUES,
    "no-persistence": {"persistence": {"enabled": False}},
    "existing-claim-and-secret": {
        "persistence": {"existingClaim": "flex-state"},
        "existingSecret": "flex-credentials",
        "secretKeys": {"accountSid": "account-sid", "authToken": "auth-token"},
    },
}


# --- rendering helpers -----------------------------------------------------------------------

@functools.cache
def _render(values_json: str, release: str) -> tuple[tuple[str, str], ...]:
    chart = helm_python.Chart.load(CHART)
    out = chart.render(json.loads(values_json), name=release, namespace=NAMESPACE)
    return tuple(sorted(out.items()))


def render(values: dict[str, Any] | None = None, release: str = RELEASE) -> dict[str, str]:
    return dict(_render(json.dumps(values or {}, sort_keys=True), release))


def objects(values: dict[str, Any] | None = None, release: str = RELEASE) -> list[dict[str, Any]]:
    docs = []
    for path, text in render(values, release).items():
        if not path.endswith(".yaml"):
            continue
        docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def notes(values: dict[str, Any] | None = None) -> str:
    return next(t for p, t in render(values).items() if p.endswith("NOTES.txt"))


def is_hook(obj: dict[str, Any]) -> bool:
    return "helm.sh/hook" in (obj["metadata"].get("annotations") or {})


def one(values: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """The release's own object of ``kind`` (hooks such as the config check left out)."""
    found = [o for o in objects(values) if o["kind"] == kind and not is_hook(o)]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def pod_spec(values: dict[str, Any] | None = None) -> dict[str, Any]:
    return one(values, "Deployment")["spec"]["template"]["spec"]


def container(values: dict[str, Any] | None = None) -> dict[str, Any]:
    (only,) = pod_spec(values)["containers"]
    return only


def env(values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(values)["env"]}


def merged(overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(CI_VALUES)
    out.update(overrides)
    return out


# --- lint and schema -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_lint_strict(name: str) -> None:
    report = helm_python.lint(CHART, VALUE_SETS[name], strict=True, namespace=NAMESPACE,
                              kube_version="v1.33.0")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize(("values", "complaint"), [
    pytest.param({"replicas": 2}, "/replicas", id="two-replicas"),
    pytest.param({"replicas": 0}, "/replicas", id="zero-replicas"),
    pytest.param({"replcas": 1}, "replcas", id="unknown-top-level-key"),
    pytest.param({"image": {"repository": "x", "tga": "1"}}, "tga", id="unknown-nested-key"),
    pytest.param({"replicas": "1"}, "/replicas", id="wrong-type"),
    pytest.param({"persistence": {"enabled": "yes"}}, "/persistence/enabled", id="wrong-bool"),
    pytest.param({"terminationGracePeriodSeconds": 10}, "/terminationGracePeriodSeconds",
                 id="grace-below-shutdown-bound"),
    pytest.param({"config": {"pagerduty": {"routing_key": "r"}}}, "routing_key",
                 id="secret-in-config"),
    pytest.param({"config": {"http": {"port": 8080}}}, "/config/http/port", id="port-in-config"),
    pytest.param({"prometheusRule": {"excludeAlerts": ["NoSuchAlert"]}}, "excludeAlerts",
                 id="unknown-alert"),
])
def test_schema_rejects_bad_values(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(helm_python.HelmValuesError, match=re.escape(complaint)):
        helm_python.Chart.load(CHART).validate_schema(values)
    report = helm_python.lint(CHART, values, strict=True)
    assert any(complaint in e for e in report["errors"]), report["errors"]


def _schema_paths(values: Any, schema: dict[str, Any], path: str = "") -> Iterator[str]:
    """Yield value paths that the schema does not describe explicitly."""
    if not isinstance(values, dict) or "properties" not in schema:
        return
    for key, value in values.items():
        child = schema["properties"].get(key)
        if child is None:
            if schema.get("additionalProperties") is False:
                yield f"{path}.{key}"
            continue  # free-form maps (config, resources, ...) are the daemon's or k8s' business
        assert child.get("description"), f"{path}.{key} has no description"
        yield from _schema_paths(value, child, f"{path}.{key}")


def test_schema_describes_every_value() -> None:
    chart = helm_python.Chart.load(CHART)
    schema = chart.schema
    if isinstance(schema, (str, bytes)):
        schema = json.loads(schema)
    assert schema["additionalProperties"] is False
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert list(_schema_paths(defaults, schema)) == []
    assert list(_schema_paths(CI_VALUES, schema)) == []
    chart.validate_schema(CI_VALUES)


def test_chart_metadata_matches_the_package() -> None:
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert meta["apiVersion"] == "v2"
    assert meta["appVersion"] == "0.1.0"
    project = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{meta["appVersion"]}"' in project
    assert container()["image"].endswith(":" + meta["appVersion"])
    digest = "sha256:" + "a" * 64
    assert container({"image": {"repository": "r", "digest": digest}})["image"] == f"r@{digest}"


# --- kubernetes validation -------------------------------------------------------------------

SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": CRD_API}, "kind": {"const": "ServiceMonitor"},
        "metadata": {"$ref": "#/$defs/metadata"},
        "spec": {
            "type": "object", "additionalProperties": False, "required": ["selector", "endpoints"],
            "properties": {
                "jobLabel": {"type": "string"},
                "namespaceSelector": {"type": "object", "additionalProperties": False,
                                      "properties": {"any": {"type": "boolean"},
                                                     "matchNames": {"$ref": "#/$defs/strings"}}},
                "selector": {"type": "object", "additionalProperties": False,
                             "properties": {"matchLabels": {"$ref": "#/$defs/stringMap"}}},
                "endpoints": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False, "required": ["port"],
                    "properties": {
                        "port": {"type": "string"}, "path": {"type": "string"},
                        "scheme": {"enum": ["http", "https"]},
                        "interval": {"$ref": "#/$defs/duration"},
                        "scrapeTimeout": {"$ref": "#/$defs/duration"},
                        "relabelings": {"$ref": "#/$defs/relabelings"},
                        "metricRelabelings": {"$ref": "#/$defs/relabelings"},
                    }}},
            }},
    },
    "$defs": {
        "strings": {"type": "array", "items": {"type": "string"}},
        "stringMap": {"type": "object", "additionalProperties": {"type": "string"}},
        "duration": {"type": "string", "pattern": "^(0|(([0-9]+)(ms|s|m|h|d|w|y))+)$"},
        "metadata": {"type": "object", "required": ["name", "namespace"], "properties": {
            "name": {"type": "string"}, "namespace": {"type": "string"},
            "labels": {"$ref": "#/$defs/stringMap"},
            "annotations": {"$ref": "#/$defs/stringMap"}}},
        "relabelings": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "properties": {
                "action": {"enum": ["replace", "Replace", "keep", "Keep", "drop", "Drop",
                                    "hashmod", "HashMod", "labelmap", "LabelMap", "labeldrop",
                                    "LabelDrop", "labelkeep", "LabelKeep", "lowercase",
                                    "uppercase", "keepequal", "dropequal"]},
                "sourceLabels": {"$ref": "#/$defs/strings"}, "separator": {"type": "string"},
                "targetLabel": {"type": "string"}, "regex": {"type": "string"},
                "modulus": {"type": "integer"}, "replacement": {"type": "string"}}}},
    },
}
PROMETHEUS_RULE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": CRD_API}, "kind": {"const": "PrometheusRule"},
        "metadata": SERVICE_MONITOR_SCHEMA["$defs"]["metadata"],
        "spec": {"type": "object", "additionalProperties": False, "required": ["groups"],
                 "properties": {"groups": {"type": "array", "minItems": 1, "items": {
                     "type": "object", "additionalProperties": False,
                     "required": ["name", "rules"], "properties": {
                         "name": {"type": "string"}, "interval": {"type": "string"},
                         "rules": {"type": "array", "minItems": 1, "items": {
                             "type": "object", "additionalProperties": False,
                             "required": ["alert", "expr"], "properties": {
                                 "alert": {"type": "string"}, "expr": {"type": "string"},
                                 "for": {"type": "string"},
                                 "labels": {"type": "object",
                                            "additionalProperties": {"type": "string"}},
                                 "annotations": {"type": "object",
                                                 "additionalProperties": {"type": "string"}},
                             }}}}}}}},
    },
    "$defs": SERVICE_MONITOR_SCHEMA["$defs"],
}
CRD_SCHEMAS = {"ServiceMonitor": SERVICE_MONITOR_SCHEMA, "PrometheusRule": PROMETHEUS_RULE_SCHEMA}


def validate_object(obj: dict[str, Any], version: str) -> None:
    if obj["apiVersion"] == CRD_API:
        jsonschema.Draft202012Validator(CRD_SCHEMAS[obj["kind"]]).validate(obj)
        return
    assert kubernetes_validate is not None
    kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.skipif(kubernetes_validate is None, reason="kubernetes-validate not installed")
@pytest.mark.parametrize("version", KUBE_VERSIONS)
@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_rendered_objects_are_valid_kubernetes(name: str, version: str) -> None:
    rendered = objects(VALUE_SETS[name])
    assert rendered
    for obj in rendered:
        assert obj["metadata"]["namespace"] == NAMESPACE, obj["kind"]
        validate_object(obj, version)


@pytest.mark.skipif(kubernetes_validate is None, reason="kubernetes-validate not installed")
def test_strict_validation_catches_a_misspelt_field() -> None:
    deployment = copy.deepcopy(one({}, "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_object(deployment, KUBE_VERSIONS[0])
    monitor = copy.deepcopy(one(CI_VALUES, "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["intreval"] = "30s"
    with pytest.raises(jsonschema.ValidationError):
        validate_object(monitor, KUBE_VERSIONS[0])


def test_kinds_rendered() -> None:
    assert sorted(o["kind"] for o in objects() if not is_hook(o)) == [
        "ConfigMap", "Deployment", "PersistentVolumeClaim", "Service", "ServiceAccount"]
    assert sorted(o["kind"] for o in objects(CI_VALUES) if not is_hook(o)) == [
        "ConfigMap", "ConfigMap", "Deployment", "PersistentVolumeClaim", "PrometheusRule",
        "Secret", "Service", "ServiceAccount", "ServiceMonitor"]
    assert sorted(o["kind"] for o in objects() if is_hook(o)) == ["ConfigMap", "Job", "Pod"]
    assert [o["kind"] for o in objects({"configCheck": {"enabled": False}}) if is_hook(o)] == [
        "Pod"]
    assert [o for o in objects({"configCheck": {"enabled": False},
                                "helmTest": {"enabled": False}}) if is_hook(o)] == []


# --- the workload ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_singleton_with_recreate(name: str) -> None:
    spec = one(VALUE_SETS[name], "Deployment")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_restricted_security_context(name: str) -> None:
    pod = pod_spec(VALUE_SETS[name])
    ctx = pod["securityContext"]
    assert ctx["runAsNonRoot"] is True
    assert ctx["runAsUser"] == UID and ctx["runAsGroup"] == UID
    assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
    c = container(VALUE_SETS[name])["securityContext"]
    assert c["allowPrivilegeEscalation"] is False
    assert c["capabilities"] == {"drop": ["ALL"]}
    assert c["readOnlyRootFilesystem"] is True
    assert c["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False, "FLEX_WATCHDOG_SERVICE_* would leak into settings"
    assert one(VALUE_SETS[name], "ServiceAccount")["automountServiceAccountToken"] is False
    assert "resources" in container(VALUE_SETS[name])
    assert container(VALUE_SETS[name])["resources"]["limits"]["memory"]


def test_probes_use_the_daemons_own_endpoints() -> None:
    c = container()
    (port,) = c["ports"]
    assert port == {"name": "http", "containerPort": PORT, "protocol": "TCP"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    # A Twilio outage makes /readyz fail for a while; it must not restart the pod quickly.
    live = c["livenessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 60


def test_grace_period_exceeds_the_shutdown_bound() -> None:
    assert pod_spec()["terminationGracePeriodSeconds"] == 30
    with pytest.raises(helm_python.HelmRenderError, match="must exceed"):
        render({"terminationGracePeriodSeconds": 25, "config": {"shutdown_timeout_seconds": 25}})
    spec = pod_spec({"terminationGracePeriodSeconds": 60,
                     "config": {"shutdown_timeout_seconds": 45}})
    assert spec["terminationGracePeriodSeconds"] == 60


def test_config_map_carries_config_verbatim() -> None:
    assert yaml.safe_load(one({}, "ConfigMap")["data"]["flex-watchdog.yaml"]) == {}
    cm = next(o for o in objects(CI_VALUES) if o["kind"] == "ConfigMap"
              and "flex-watchdog.yaml" in o["data"])
    assert yaml.safe_load(cm["data"]["flex-watchdog.yaml"]) == CI_VALUES["config"]
    e = env()
    mount = next(m for m in container()["volumeMounts"] if m["name"] == "config")
    assert e["FLEX_WATCHDOG_CONFIG"] == mount["mountPath"] + "/flex-watchdog.yaml"
    assert mount["readOnly"] is True
    volume = next(v for v in pod_spec()["volumes"] if v["name"] == "config")
    assert volume["configMap"]["name"] == one({}, "ConfigMap")["metadata"]["name"]


def test_config_change_rolls_the_pod() -> None:
    def checksum(values: dict[str, Any]) -> str:
        annotations = one(values, "Deployment")["spec"]["template"]["metadata"]["annotations"]
        return str(annotations["checksum/config"])

    assert checksum({}) != checksum({"config": {"log": {"level": "DEBUG"}}})
    assert checksum({}) == checksum({"podLabels": {"a": "b"}})
    secret_sum = one(CI_VALUES, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/secret" in secret_sum
    other = merged({"secret": dict(CI_VALUES["secret"], authToken="rotated")})
    rotated = one(other, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert rotated["checksum/secret"] != secret_sum["checksum/secret"]


def test_state_volume_and_env() -> None:
    e = env()
    assert e["FLEX_WATCHDOG_STATE_PATH"] == f"{STATE_DIR}/flex-watchdog.db"
    assert e["FLEX_WATCHDOG_HTTP__PORT"] == str(PORT)
    mounts = {m["name"]: m["mountPath"] for m in container()["volumeMounts"]}
    assert mounts["state"] == STATE_DIR and mounts["tmp"] == "/tmp"
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    pvc = one({}, "PersistentVolumeClaim")
    assert volumes["state"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert "emptyDir" in volumes["tmp"]
    assert "WARNING: persistence.enabled=false" not in notes()


def test_existing_claim_is_used_and_none_created() -> None:
    values = VALUE_SETS["existing-claim-and-secret"]
    volumes = {v["name"]: v for v in pod_spec(values)["volumes"]}
    assert volumes["state"]["persistentVolumeClaim"]["claimName"] == "flex-state"
    assert not [o for o in objects(values) if o["kind"] == "PersistentVolumeClaim"]


def test_without_persistence_state_is_an_empty_dir_and_notes_warn() -> None:
    values = VALUE_SETS["no-persistence"]
    volumes = {v["name"]: v for v in pod_spec(values)["volumes"]}
    assert volumes["state"] == {"name": "state", "emptyDir": {}}
    assert not [o for o in objects(values) if o["kind"] == "PersistentVolumeClaim"]
    text = notes(values)
    assert "WARNING: persistence.enabled=false" in text
    assert "open incidents" in text and "heal budgets" in text


def test_storage_class_dash_means_none() -> None:
    pvc = one({"persistence": {"storageClass": "-"}}, "PersistentVolumeClaim")
    assert pvc["spec"]["storageClassName"] == ""
    assert "storageClassName" not in one({}, "PersistentVolumeClaim")["spec"]


# --- credentials -----------------------------------------------------------------------------

SECRET_ENV = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET",
              "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY", "FLEX_WATCHDOG_SENTRY__DSN")


def test_credentials_come_from_the_existing_secret_with_custom_keys() -> None:
    e = env(VALUE_SETS["existing-claim-and-secret"])
    for name in SECRET_ENV:
        ref = e[name]["secretKeyRef"]
        assert ref["name"] == "flex-credentials"
        assert ref.get("optional", False) is (name != "TWILIO_ACCOUNT_SID")
    assert e["TWILIO_ACCOUNT_SID"]["secretKeyRef"]["key"] == "account-sid"
    assert e["TWILIO_AUTH_TOKEN"]["secretKeyRef"]["key"] == "auth-token"
    assert e["TWILIO_API_KEY"]["secretKeyRef"]["key"] == "TWILIO_API_KEY"
    assert not [o for o in objects(VALUE_SETS["existing-claim-and-secret"])
                if o["kind"] == "Secret"]


def test_default_secret_name_and_notes_show_how_to_create_it() -> None:
    e = env()
    assert e["TWILIO_ACCOUNT_SID"]["secretKeyRef"]["name"] == RELEASE
    text = notes()
    assert f"kubectl -n {NAMESPACE} create secret generic {RELEASE}" in text
    assert "--from-literal=TWILIO_ACCOUNT_SID=" in text


def test_chart_made_secret_for_trials_keeps_values_out_of_everything_else() -> None:
    secret = one(CI_VALUES, "Secret")
    e = env(CI_VALUES)
    assert e["TWILIO_AUTH_TOKEN"]["secretKeyRef"]["name"] == secret["metadata"]["name"]
    wanted = {"TWILIO_ACCOUNT_SID": "accountSid", "TWILIO_AUTH_TOKEN": "authToken",
              "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": "pagerdutyRoutingKey",
              "FLEX_WATCHDOG_SENTRY__DSN": "sentryDsn"}
    assert secret["stringData"] == {k: CI_VALUES["secret"][v] for k, v in wanted.items()}
    secret_values = [CI_VALUES["secret"][v] for v in wanted.values()]
    for path, text in render(CI_VALUES).items():
        if path.endswith("secret.yaml"):
            continue
        for value in secret_values:
            assert value not in text, f"{value!r} leaked into {path}"
    assert "WARNING: secret.create" in notes(CI_VALUES)


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"existingSecret": "mine", "secret": {"create": True, "accountSid": "AC1",
                                                       "authToken": "t"}},
                 "mutually exclusive", id="both-sources"),
    pytest.param({"secret": {"create": True, "accountSid": "AC1"}}, "secret.authToken",
                 id="no-token"),
    pytest.param({"secret": {"create": True, "authToken": "t"}}, "secret.accountSid",
                 id="no-account"),
])
def test_inconsistent_secret_values_fail_to_render(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(values)


def test_api_key_credentials() -> None:
    values = {"secret": {"create": True, "accountSid": "AC1", "apiKey": "SK1", "apiSecret": "s"}}
    assert one(values, "Secret")["stringData"] == {
        "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "s"}


def test_extra_env_and_args() -> None:
    values = {"extraEnv": [{"name": "FLEX_WATCHDOG_LOG__FORMAT", "value": "json"}],
              "extraArgs": ["--verbose"]}
    assert env(values)["FLEX_WATCHDOG_LOG__FORMAT"] == "json"
    assert container(values)["args"] == ["--verbose"]
    assert "args" not in container()
    assert "command" not in container(), "the image's ENTRYPOINT runs the daemon"


# --- service, monitoring ---------------------------------------------------------------------

def test_service_and_service_monitor_line_up() -> None:
    service = one(CI_VALUES, "Service")
    (port,) = service["spec"]["ports"]
    assert port["name"] == "http" and port["targetPort"] == "http" and port["port"] == PORT
    assert service["spec"]["publishNotReadyAddresses"] is True, "scrape unready pods too"
    pod_labels = one(CI_VALUES, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    monitor = one(CI_VALUES, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == port["name"] and endpoint["path"] == "/metrics"
    assert endpoint["relabelings"][0] == {"action": "replace", "targetLabel": "account",
                                          "replacement": CI_VALUES["account"]}
    assert endpoint["metricRelabelings"] == CI_VALUES["serviceMonitor"]["metricRelabelings"]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}


def test_service_monitor_without_account_has_no_relabeling() -> None:
    monitor = one({"serviceMonitor": {"enabled": True}}, "ServiceMonitor")
    assert "relabelings" not in monitor["spec"]["endpoints"][0]


def test_optional_outputs_are_off_by_default() -> None:
    kinds = {o["kind"] for o in objects()}
    assert not kinds & {"ServiceMonitor", "PrometheusRule", "Secret"}
    assert [o for o in objects() if o["kind"] == "ConfigMap"
            and "flex-watchdog.json" in o.get("data", {})] == []


# --- the pre-upgrade config check ------------------------------------------------------------

def hooks(values: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The pre-upgrade config check's objects by kind (the `helm test` pod left out)."""
    return {o["kind"]: o for o in objects(values) if is_hook(o)
            and o["metadata"]["annotations"]["helm.sh/hook"] != "test"}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_helm_test_asks_the_releases_readyz(name: str) -> None:
    values = VALUE_SETS[name]
    (pod,) = [o for o in objects(values) if o["kind"] == "Pod"]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert "hook-succeeded" in pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never" and spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"] == pod_spec(values)["securityContext"]
    (probe,) = spec["containers"]
    assert probe["securityContext"] == container(values)["securityContext"]
    assert probe["image"] == container(values)["image"], "no other image to pull"
    assert probe["resources"]["limits"]["memory"]
    service = one(values, "Service")
    port = service["spec"]["ports"][0]["port"]
    url = f"http://{service['metadata']['name']}.{NAMESPACE}.svc:{port}/readyz"
    assert probe["command"][:2] == ["python", "-c"] and probe["command"][-1] == url
    compile(probe["command"][2], "<helm test>", "exec")
    selector = service["spec"]["selector"]
    labels = pod["metadata"]["labels"]
    assert not all(labels.get(k) == v for k, v in selector.items()), (
        "the Service must not route scrapes to the test pod")


def test_config_check_runs_before_the_running_pod_is_replaced() -> None:
    values = merged({"config": {"healing": {"enabled": True}}})
    found = hooks(values)
    for obj in found.values():
        annotations = obj["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-upgrade"
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    config, job = found["ConfigMap"], found["Job"]
    weights = [int(o["metadata"]["annotations"]["helm.sh/hook-weight"]) for o in (config, job)]
    assert weights[0] < weights[1], "the new config exists before the Job reads it"
    assert yaml.safe_load(config["data"]["flex-watchdog.yaml"]) == values["config"], (
        "the hook carries the NEW config: the release's ConfigMap is still the old one")
    spec = job["spec"]
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] > 0
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["enableServiceLinks"] is False
    (check,) = pod["containers"]
    assert check["command"] == ["flex-watchdog", "config", "check", "--require-credentials"]
    assert check["image"] == container(values)["image"]
    assert check["securityContext"] == container(values)["securityContext"]
    assert pod["securityContext"] == pod_spec(values)["securityContext"]
    mount = next(m for m in check["volumeMounts"] if m["name"] == "config")
    assert pod["volumes"][0]["configMap"]["name"] == config["metadata"]["name"]
    env_of = {e["name"]: e.get("value", e.get("valueFrom")) for e in check["env"]}
    assert env_of["FLEX_WATCHDOG_CONFIG"] == f"{mount['mountPath']}/flex-watchdog.yaml"
    daemon = env(values)
    assert {k: v for k, v in env_of.items() if k != "FLEX_WATCHDOG_CONFIG"} == {
        k: v for k, v in daemon.items() if k not in ("FLEX_WATCHDOG_CONFIG",
                                                     "FLEX_WATCHDOG_STATE_PATH")}, (
        "the check sees the same variables as the daemon (a typo there fails too)")


@pytest.mark.slow
def test_config_check_job_runs_the_real_command_on_the_rendered_config(tmp_path: Path) -> None:
    """What the Job runs, run here: the rendered config passes, a typo fails with exit 2."""
    import subprocess
    import sys

    def check(config: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        rendered = hooks({"config": config})["ConfigMap"]["data"]["flex-watchdog.yaml"]
        path = tmp_path / "flex-watchdog.yaml"
        path.write_text(rendered)
        env_vars = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
        env_vars |= {"FLEX_WATCHDOG_CONFIG": str(path), "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                     "TWILIO_AUTH_TOKEN": "t" * 32, "FLEX_WATCHDOG_HTTP__PORT": str(PORT)}
        return subprocess.run([sys.executable, "-m", "watchdog", "config", "check",
                               "--require-credentials"], env=env_vars, capture_output=True,
                              text=True, timeout=60)

    good = check({"healing": {"enabled": True}})
    assert good.returncode == 0, good.stderr
    typo = check({"healing": {"enabld": True}})
    assert typo.returncode == 2 and typo.stderr.strip() == "config: healing.enabld: unknown key"


def test_account_name_reaches_the_daemon() -> None:
    assert env({"account": "prod-us"})["FLEX_WATCHDOG_ACCOUNT_NAME"] == "prod-us"
    assert "FLEX_WATCHDOG_ACCOUNT_NAME" not in env()


def _rendered_rule_groups(values: dict[str, Any]) -> list[dict[str, Any]]:
    return one(values, "PrometheusRule")["spec"]["groups"]


def test_prometheus_rule_renders_the_same_groups_as_the_rule_file() -> None:
    source = yaml.safe_load(RULES_SOURCE.read_text())["groups"]
    assert _rendered_rule_groups({"prometheusRule": {"enabled": True}}) == source
    extra = CI_VALUES["prometheusRule"]["additionalRuleLabels"]
    expected = copy.deepcopy(source)
    for group in expected:
        for rule in group["rules"]:
            rule["labels"] = {**extra, **rule.get("labels", {})}
    assert _rendered_rule_groups(CI_VALUES) == expected
    monitor_rule = one(CI_VALUES, "PrometheusRule")
    assert monitor_rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_prometheus_rule_exclusions_and_docs_base() -> None:
    values = {"prometheusRule": {"enabled": True,
                                 "excludeAlerts": ["FlexWatchdogCriticalFinding"],
                                 "docsBaseUrl": "https://wiki.example.com/flex"}}
    rules = [r for g in _rendered_rule_groups(values) for r in g["rules"]]
    assert "FlexWatchdogCriticalFinding" not in {r["alert"] for r in rules}
    assert {r["annotations"]["runbook_url"].split("#")[0] for r in rules} == {
        "https://wiki.example.com/flex/deploy.md"}


def _write_rendered_rules(tmp_path: Path) -> Path:
    path = tmp_path / "rendered-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": _rendered_rule_groups(CI_VALUES)}))
    return path


def test_rendered_prometheus_rule_passes_promtool_check(tmp_path: Path) -> None:
    promtool = ph.require_binary("promtool")
    path = _write_rendered_rules(tmp_path)
    result = ph.run_tool([promtool, "check", "rules", path])
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_prometheus_rule_passes_the_unit_tests(tmp_path: Path) -> None:
    """The same promtool unit tests, run against what the chart installs."""
    promtool = ph.require_binary("promtool")
    _write_rendered_rules(tmp_path)
    spec = yaml.safe_load(PROMTOOL_TEST.read_text())
    spec["rule_files"] = ["rendered-rules.yaml"]
    extra = CI_VALUES["prometheusRule"]["additionalRuleLabels"]
    for case in spec["tests"]:
        for check in case.get("alert_rule_test", []):
            for alert in check.get("exp_alerts") or []:
                alert["exp_labels"] = {**extra, **alert["exp_labels"]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    result = ph.run_tool([promtool, "test", "rules", "test.yaml"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_config_map_for_the_grafana_sidecar() -> None:
    cm = next(o for o in objects(CI_VALUES) if o["kind"] == "ConfigMap"
              and "flex-watchdog.json" in o["data"])
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert cm["metadata"]["labels"]["team"] == "contact-center"
    assert cm["metadata"]["annotations"] == {"grafana_folder": "Flex"}
    assert json.loads(cm["data"]["flex-watchdog.json"]) == json.loads(DASHBOARD_SOURCE.read_text())
    values = {"grafanaDashboard": {"enabled": True, "label": "dashboards", "labelValue": "flex",
                                   "namespace": "grafana"}}
    board = next(o for o in objects(values) if "flex-watchdog.json" in o.get("data", {}))
    assert board["metadata"]["labels"]["dashboards"] == "flex"
    assert board["metadata"]["namespace"] == "grafana"


@pytest.mark.parametrize(("copy_path", "source"), [
    (CHART / "files" / "flex-watchdog-rules.yaml", RULES_SOURCE),
    (CHART / "files" / "flex-watchdog.json", DASHBOARD_SOURCE),
], ids=["rules", "dashboard"])
def test_chart_copies_match_their_single_source(copy_path: Path, source: Path) -> None:
    assert copy_path.read_bytes() == source.read_bytes(), (
        f"{copy_path.relative_to(ROOT)} differs from {source.relative_to(ROOT)}; "
        f"edit the source, then: cp {source.relative_to(ROOT)} {copy_path.relative_to(ROOT)}")


def test_notes_explain_findings_and_metrics() -> None:
    text = notes(CI_VALUES)
    full = f"{RELEASE}-flex-watchdog" if "flex-watchdog" not in RELEASE else RELEASE
    assert f"exec deployment/{full} -- flex-watchdog check" in text
    assert f"port-forward service/{full} 9464:{PORT}" in text
    assert f"logs deployment/{full}" in text
    assert 'account="prod-us"' in text


def test_release_names_shape_the_full_name() -> None:
    assert one({}, "Deployment")["metadata"]["name"] == "flex-watchdog"
    other = [o for o in objects({}, release="prod") if o["kind"] == "Deployment"]
    assert other[0]["metadata"]["name"] == "prod-flex-watchdog"


# --- image contract --------------------------------------------------------------------------

def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Instructions per stage as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), args.strip()))
    return stages


def test_dockerfile_contract_matches_the_chart() -> None:
    preamble, *stages = dockerfile_stages()
    assert len(stages) >= 2, "multi-stage: build the venv, copy it into a clean runtime"
    base = dict(preamble).get("ARG", "")
    assert base == "PYTHON_IMAGE=python:3.11-slim"
    assert all(args.split()[0] == "${PYTHON_IMAGE}" for kw, args in
               (s[0] for s in stages) if kw == "FROM")
    build_runs = " ".join(a for stage in stages[:-1] for kw, a in stage if kw == "RUN")
    assert "python -m venv" in build_runs
    assert re.search(r"pip install [^&]*\s\.(\s|$)", build_runs), "the package from the context"
    final = stages[-1]
    last = {kw: args for kw, args in final}
    user = last["USER"].split(":")[0]
    assert user.isdigit() and int(user) != 0
    assert last["EXPOSE"] == str(PORT)
    assert json.loads(last["ENTRYPOINT"]) == ["flex-watchdog", "run"]
    assert json.loads(last["VOLUME"]) == [STATE_DIR]
    assert f"FLEX_WATCHDOG_STATE_PATH={STATE_DIR}/flex-watchdog.db" in last["ENV"]
    assert f"FLEX_WATCHDOG_HTTP__PORT={PORT}" in last["ENV"]
    assert any(kw == "COPY" and args.startswith("--from=") for kw, args in final)
    assert not any(kw == "RUN" and "pip install" in args for kw, args in final)
    # The chart agrees with the image.
    pod = pod_spec()
    assert pod["securityContext"]["runAsUser"] == int(user)
    assert container()["securityContext"]["runAsUser"] == int(user)
    assert container()["ports"][0]["containerPort"] == int(last["EXPOSE"])
    mounts = {m["mountPath"] for m in container()["volumeMounts"]}
    assert set(json.loads(last["VOLUME"])) <= mounts
    # The entrypoint is the package's console script.
    assert re.search(r'^flex-watchdog = "watchdog\.cli:main"$',
                     (ROOT / "pyproject.toml").read_text(), flags=re.MULTILINE)
    useradd = " ".join(a for kw, a in final if kw == "RUN")
    assert f"--uid {user}" in useradd and STATE_DIR in shlex.split(useradd)


def test_dockerignore_keeps_the_context_small() -> None:
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "*", "allow-list: ignore everything, then re-include"
    assert {"!pyproject.toml", "!watchdog/"} <= set(lines)
    assert not any(ln.startswith("!") and ln.lstrip("!").rstrip("/") in
                   {".venv", ".git", "tests", "deploy"} for ln in lines)


# --- a fleet spread over shards ----------------------------------------------------------------

SHARDED = {"fleet": {"shards": 3}}


def test_a_sharded_fleet_is_a_statefulset_with_a_volume_per_replica() -> None:
    kinds = sorted(o["kind"] for o in objects(SHARDED) if not is_hook(o))
    assert kinds == ["ConfigMap", "Service", "ServiceAccount", "StatefulSet"]  # no shared PVC
    sts = one(SHARDED, "StatefulSet")["spec"]
    assert sts["replicas"] == 3 and sts["podManagementPolicy"] == "Parallel"
    assert sts["serviceName"] == RELEASE
    (claim,) = sts["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "state"
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    pod = sts["template"]["spec"]
    assert "state" not in {v["name"] for v in pod["volumes"]}  # the claim template's instead
    (c,) = pod["containers"]
    assert {"name": "state", "mountPath": STATE_DIR} in c["volumeMounts"]
    e = {x["name"]: x.get("value") for x in c["env"]}
    assert e["FLEX_WATCHDOG_STATE_DIR"] == STATE_DIR
    assert e["FLEX_WATCHDOG_SHARD__COUNT"] == "3"
    assert "FLEX_WATCHDOG_STATE_PATH" not in e and "FLEX_WATCHDOG_SHARD__INDEX" not in e
    # one shard, or none: today's Deployment
    for values in ({"fleet": {"shards": 1}}, {"fleet": {"shards": 0}}):
        assert one(values, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.skipif(kubernetes_validate is None, reason="kubernetes-validate not installed")
@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_a_sharded_fleet_renders_valid_kubernetes(version: str) -> None:
    for values in (SHARDED, merged(SHARDED | {"account": ""})):
        for obj in objects(values):
            validate_object(obj, version)
    report = helm_python.lint(CHART, SHARDED, strict=True, namespace=NAMESPACE,
                              kube_version="v1.33.0")
    assert report["errors"] == []


@pytest.mark.parametrize(("values", "complaint"), [
    pytest.param({"fleet": {"shards": 3}, "persistence": {"enabled": False}},
                 "persistence.enabled", id="no-volumes"),
    pytest.param({"fleet": {"shards": 3}, "persistence": {"existingClaim": "x"}},
                 "existingClaim", id="one-shared-claim"),
    pytest.param({"fleet": {"shards": 3}, "account": "prod"}, "leave account unset",
                 id="one-account-label"),
    pytest.param({"fleet": {"shards": -1}}, "/fleet/shards", id="negative"),
    pytest.param({"fleet": {"shard": 2}}, "shard", id="unknown-key"),
])
def test_a_sharded_fleet_refuses_what_cannot_work(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(Exception, match=re.escape(complaint)):
        render(values)

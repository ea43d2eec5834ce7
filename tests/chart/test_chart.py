"""The production Helm chart (deploy/helm/rarelog) and the image it runs, checked offline.

`helm lint` and `helm template` with the default values and with ci/production-values.yaml;
every rendered manifest validated against the Kubernetes API schemas kubernetes-validate ships
(the CRD kinds, ServiceMonitor and KEDA's, checked field by field instead); the invariants the
chart exists for: hardened pods, one active reconciler, secrets only by reference, identified
topics readable by ingest and the pseudonymizer alone, a schema that refuses misspelt values.

They need the helm CLI: `make test` builds it with Go (deploy/helm/install-helm.sh) into
.rarelog/cache/bin/helm; RARELOG_HELM names another one. Without it they are skipped, saying why.
No cluster, broker or database is used.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is a test extra")

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "rarelog"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"
DOCKERFILE = ROOT / "Dockerfile"
NAMESPACE = "registry"
RELEASE = "reg"
PREFIX = f"{RELEASE}-rarelog"
# The most recent Kubernetes whose API schemas kubernetes-validate ships; helm renders for it too.
KUBE_VERSION = kubernetes_validate.latest_version()
SERVICES = ("ingest", "pseudonymizer", "reconciler", "registry-store")
SCALABLE = ("ingest", "pseudonymizer", "registry-store")
# Custom resources: no schema in kubernetes-validate (checked by test_custom_resources).
CRD_KINDS = {"ServiceMonitor", "ScaledObject", "TriggerAuthentication"}
IDENTIFIED_TOPICS = ("registry.intake.submissions", "registry.intake.submissions.dlq",
                     "registry.intake.records", "registry.intake.records.dlq")


# ------------------------------------------------------------------------------------------
# helm
# ------------------------------------------------------------------------------------------

def _find_helm() -> str | None:
    for candidate in (os.environ.get("RARELOG_HELM"), str(ROOT / ".rarelog" / "cache" / "bin" / "helm")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("helm")


def _wait_for_background_build(timeout_s: float = 1800) -> None:
    """`make test` builds helm beside the suite (install-helm.sh --background): wait for it."""
    bin_dir = ROOT / ".rarelog" / "cache" / "bin"
    try:
        pid = int((bin_dir / "helm-build.pid").read_text())
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(2)
    (bin_dir / "helm-build.pid").unlink(missing_ok=True)
    if _find_helm() is None and shutil.which("go") is not None:
        log = (bin_dir / "helm-build.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"building helm failed:\n{log}")


@pytest.fixture(scope="module")
def helm() -> str:
    _wait_for_background_build()
    found = _find_helm()
    if found is None:
        why = ("Go is not installed, so `make test` could not build helm (deploy/helm/install-helm.sh)"
               if shutil.which("go") is None else
               "helm is not built yet: run `make helm` (deploy/helm/install-helm.sh builds it with Go)")
        pytest.skip(f"chart tests need the helm CLI: {why}")
    return found


def run_helm(helm: str, *args: str) -> subprocess.CompletedProcess:
    # helm's own folders in a scratch place: the tests must not depend on, or touch, the user's.
    scratch = Path(tempfile.gettempdir()) / "rarelog-chart-tests-helm"
    return subprocess.run([helm, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HELM_CACHE_HOME": str(scratch / "cache"),
                               "HELM_CONFIG_HOME": str(scratch / "config"), "HELM_DATA_HOME": str(scratch / "data")})


def template(helm: str, *args: str) -> subprocess.CompletedProcess:
    return run_helm(helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
                    "--kube-version", KUBE_VERSION, *args)


def render(helm: str, *args: str) -> list[dict]:
    result = template(helm, *args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def default_docs(helm) -> list[dict]:
    return render(helm)


@pytest.fixture(scope="module")
def production_docs(helm) -> list[dict]:
    return render(helm, "--values", str(PRODUCTION_VALUES))


@pytest.fixture(scope="module", params=["default", "production"])
def docs(request) -> list[dict]:
    return request.getfixturevalue(f"{request.param}_docs")


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def deployment(docs: list[dict], service: str) -> dict:
    return of_kind(docs, "Deployment")[f"{PREFIX}-{service}"]


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    return {f'{d["kind"]}/{d["metadata"]["name"]}': d["spec"]["template"]["spec"]
            for d in docs if d["kind"] in ("Deployment", "Job")}


def container(docs: list[dict], service: str) -> dict:
    (only,) = deployment(docs, service)["spec"]["template"]["spec"]["containers"]
    return only


def env_of(c: dict) -> dict[str, dict]:
    return {e["name"]: e for e in c.get("env", [])}


# ------------------------------------------------------------------------------------------
# lint, render, validate
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [None, PRODUCTION_VALUES], ids=["default", "production"])
def test_helm_lint(helm, values):
    args = ["lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION]
    if values:
        args += ["--values", str(values)]
    result = run_helm(helm, *args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_default_render_has_every_part(default_docs):
    kinds = {}
    for d in default_docs:
        kinds.setdefault(d["kind"], set()).add(d["metadata"]["name"])
    assert kinds["Deployment"] == {f"{PREFIX}-{s}" for s in SERVICES}
    assert kinds["Service"] == {f"{PREFIX}-{s}" for s in SERVICES}
    assert kinds["HorizontalPodAutoscaler"] == {f"{PREFIX}-ingest", f"{PREFIX}-pseudonymizer"}
    assert kinds["PodDisruptionBudget"] == {f"{PREFIX}-{s}" for s in SCALABLE}
    assert kinds["Job"] == {f"{PREFIX}-topics", f"{PREFIX}-migrate"}
    assert f"{PREFIX}-default-deny" in kinds["NetworkPolicy"]
    # Optional parts stay off by default, and the chart never renders a Secret.
    assert not kinds.keys() & (CRD_KINDS | {"Secret", "PersistentVolumeClaim", "ConfigMap"})


def test_production_render_has_the_optional_parts(production_docs):
    kinds = {d["kind"] for d in production_docs}
    assert {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PersistentVolumeClaim",
            "ConfigMap", "NetworkPolicy"} <= kinds
    assert "Secret" not in kinds


def test_every_manifest_validates_offline(docs):
    checked = 0
    for d in docs:
        if d["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(d, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{d['kind']}/{d['metadata']['name']}: {path}: {exc.message}")
        checked += 1
    assert checked >= 20


def test_custom_resources(production_docs):
    scaled = of_kind(production_docs, "ScaledObject")
    assert set(scaled) == {f"{PREFIX}-ingest", f"{PREFIX}-pseudonymizer"}
    inputs = {"ingest": "registry.intake.submissions", "pseudonymizer": "registry.intake.records"}
    deployments = of_kind(production_docs, "Deployment")
    for service, topic in inputs.items():
        so = scaled[f"{PREFIX}-{service}"]
        assert so["apiVersion"] == "keda.sh/v1alpha1"
        spec = so["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "kafka"
        meta = trigger["metadata"]
        # The consumer group and topic the service really uses, with the deployment's prefix.
        assert meta["consumerGroup"] == f"prod.rarelog-{service}"
        assert meta["topic"] == f"prod.{topic}"
        assert all(isinstance(v, str) for v in meta.values())  # KEDA's metadata is strings only
        assert int(meta["lagThreshold"]) > 0
        assert meta["sasl"] == "scram_sha512" and meta["tls"] == "enable"
        auth = of_kind(production_docs, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
        params = {ref["parameter"]: ref for ref in auth["spec"]["secretTargetRef"]}
        assert set(params) == {"username", "password", "ca"}
        # KEDA reads the lag as a principal of its own, never with a service's credentials.
        assert params["password"]["name"] == "rarelog-kafka-keda"
        # KEDA makes its own HorizontalPodAutoscaler: the chart must not add one.
        assert f"{PREFIX}-{service}" not in of_kind(production_docs, "HorizontalPodAutoscaler")

    (monitor,) = of_kind(production_docs, "ServiceMonitor").values()
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    selected = monitor["spec"]["selector"]["matchLabels"]
    services = of_kind(production_docs, "Service")
    assert len(services) == 4
    for svc in services.values():
        assert selected.items() <= svc["metadata"]["labels"].items()
        assert [p["name"] for p in svc["spec"]["ports"]] == ["metrics"]


# ------------------------------------------------------------------------------------------
# pods: hardening, probes, identity
# ------------------------------------------------------------------------------------------

def dockerfile_uid() -> int:
    text = DOCKERFILE.read_text()
    return int(re.search(r"^ARG RARELOG_UID=(\d+)$", text, re.M).group(1))


def test_every_pod_is_hardened(docs):
    uid = dockerfile_uid()
    specs = pod_specs(docs)
    assert len(specs) == 6  # four services and two hook Jobs
    for where, spec in specs.items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["runAsUser"] == uid != 0, where
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec["automountServiceAccountToken"] is False, where
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), where
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), where
            assert sc.get("privileged", False) is False and sc["runAsNonRoot"] is True, where
            assert sc["runAsUser"] == uid, where
            # The root filesystem is read-only: /tmp is a writable emptyDir.
            assert any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes for m in c["volumeMounts"]), where
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"], where


def test_services_probe_health_on_the_metrics_port(docs):
    for service in SERVICES:
        c = container(docs, service)
        assert c["args"] == ["serve", service]
        (port,) = c["ports"]
        assert port["name"] == "metrics"
        env = env_of(c)
        assert env["RARELOG_HEALTH_HOST"]["value"] == "0.0.0.0"
        assert int(env["RARELOG_HEALTH_PORT"]["value"]) == port["containerPort"]
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
        assert c["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}


def test_one_active_reconciler(docs):
    d = deployment(docs, "reconciler")
    assert d["spec"]["replicas"] == 1
    assert d["spec"]["strategy"] == {"type": "Recreate"}
    env = env_of(container(docs, "reconciler"))
    # A fixed instance id: a replacement fences its predecessor's transactions (decision 0007).
    assert env["RARELOG_INSTANCE_ID"]["value"] == "0"
    # Nothing may scale it.
    name = f"{PREFIX}-reconciler"
    for kind in ("HorizontalPodAutoscaler", "ScaledObject", "PodDisruptionBudget"):
        assert name not in of_kind(docs, kind)
    # Its checkpoint lives on its own volume, in a folder the service creates (mode 0700).
    spec = d["spec"]["template"]["spec"]
    (mount,) = [m for m in container(docs, "reconciler")["volumeMounts"] if m["name"] == "state"]
    assert env["RARELOG_STATE_DIR"]["value"].startswith(mount["mountPath"] + "/")
    (state,) = [v for v in spec["volumes"] if v["name"] == "state"]
    assert "emptyDir" in state or "persistentVolumeClaim" in state
    # fsGroup re-owning the volume on every start would open the checkpoint's mode 0600.
    assert spec["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"


def test_reconciler_state_on_a_claim_in_production(production_docs):
    spec = deployment(production_docs, "reconciler")["spec"]["template"]["spec"]
    (state,) = [v for v in spec["volumes"] if v["name"] == "state"]
    (claim,) = of_kind(production_docs, "PersistentVolumeClaim").values()
    assert state["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert claim["spec"]["storageClassName"] == "encrypted-ssd"


def test_reconciler_replicas_cannot_exceed_one(helm):
    result = template(helm, "--set", "reconciler.replicas=2")
    assert result.returncode != 0 and "reconciler/replicas" in result.stderr


def test_scalable_services_take_their_instance_id_from_the_pod_name(docs):
    for service in SCALABLE:
        env = env_of(container(docs, service))
        assert env["RARELOG_INSTANCE_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
        assert deployment(docs, service)["spec"]["strategy"]["type"] == "RollingUpdate"


def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(default_docs):
    hpas = of_kind(default_docs, "HorizontalPodAutoscaler")
    for service in ("ingest", "pseudonymizer"):
        assert "replicas" not in deployment(default_docs, service)["spec"]
        hpa = hpas[f"{PREFIX}-{service}"]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                  "name": f"{PREFIX}-{service}"}
    assert deployment(default_docs, "registry-store")["spec"]["replicas"] == 1


def test_disruption_budgets_never_block_a_drain(docs):
    for pdb in of_kind(docs, "PodDisruptionBudget").values():
        assert "minAvailable" not in pdb["spec"] and pdb["spec"]["maxUnavailable"] >= 1


def test_hpa_and_keda_are_exclusive(helm):
    result = template(helm, "--set", "ingest.autoscaling.keda.enabled=true")
    assert result.returncode != 0 and "hpa and keda cannot both be enabled" in result.stderr


# ------------------------------------------------------------------------------------------
# secrets
# ------------------------------------------------------------------------------------------

CANARY = "canary-secret-value-7f3a"


def test_no_secret_value_is_ever_rendered(helm, docs):
    text = yaml.safe_dump_all(docs)
    assert "kind: Secret\n" not in text
    # The templates never read a Secret (lookup) nor embed files other than the dashboard.
    for path in (CHART / "templates").iterdir():
        source = path.read_text()
        assert "lookup" not in source, path.name
        assert re.findall(r"\.Files\.\w+ \"([^\"]+)\"", source) in ([], ["files/grafana-dashboard.json"]), path.name
    for where, spec in pod_specs(docs).items():
        for c in spec["containers"]:
            for e in c["env"]:
                if re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", e["name"]):
                    assert "value" not in e and "secretKeyRef" in e["valueFrom"], (where, e["name"])
                value = e.get("value", "")
                if "sasl.password" in value:
                    assert json.loads(value)["sasl.password"] == "$(RARELOG_KAFKA_SASL_PASSWORD)", where
                assert not re.search(r"postgres(ql)?://[^\s\"]*:[^\s\"@]*@", value), (where, e["name"])


@pytest.mark.parametrize("setting", [
    f"kafka.clientConfig.sasl\\.password={CANARY}",
    f"kafka.clientConfig.ssl\\.key\\.password={CANARY}",
    f"kafka.clientConfig.sasl\\.jaas\\.config={CANARY}",
    f"ingest.extraEnv[0].name=DB_PASSWORD,ingest.extraEnv[0].value={CANARY}",
    f"schemaRegistry.url=https://user:{CANARY}@registry:8081",
], ids=["sasl.password", "ssl.key.password", "sasl.jaas.config", "extraEnv password", "credentials in a URL"])
def test_secret_values_are_refused(helm, setting):
    result = template(helm, "--set-string", setting)
    assert result.returncode != 0
    assert "schema" in result.stderr
    assert CANARY not in result.stdout


def test_secrets_reach_only_the_workloads_that_need_them(production_docs):
    specs = pod_specs(production_docs)

    def secret_names(spec: dict) -> set[str]:
        names = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
        for c in spec["containers"]:
            names |= {e["valueFrom"]["secretKeyRef"]["name"] for e in c["env"]
                      if "secretKeyRef" in e.get("valueFrom", {})}
        return names

    expected = {
        f"Deployment/{PREFIX}-ingest": {"rarelog-kafka-ingest"},
        f"Deployment/{PREFIX}-pseudonymizer": {"rarelog-kafka-pseudonymizer", "rarelog-pseudonym-key-2026",
                                               "rarelog-pseudonym-key-2024"},
        f"Deployment/{PREFIX}-reconciler": {"rarelog-kafka-reconciler"},
        f"Deployment/{PREFIX}-registry-store": {"rarelog-kafka-registry-store", "rarelog-database"},
        f"Job/{PREFIX}-topics": {"rarelog-kafka-admin"},
        f"Job/{PREFIX}-migrate": {"rarelog-database"},
    }
    assert {where: secret_names(spec) - {"rarelog-kafka-tls"} for where, spec in specs.items()} == expected


def test_pseudonym_key_is_a_read_only_file_of_the_pseudonymizer(production_docs):
    c = container(production_docs, "pseudonymizer")
    env = env_of(c)
    spec = deployment(production_docs, "pseudonymizer")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    files = [env["RARELOG_PSEUDONYM_KEY_FILE"]["value"], *env["RARELOG_PSEUDONYM_PREVIOUS_KEY_FILES"]["value"].split(",")]
    for path, secret in zip(files, ["rarelog-pseudonym-key-2026", "rarelog-pseudonym-key-2024"]):
        directory, filename = path.rsplit("/", 1)
        mount = mounts[directory]
        assert mount["readOnly"] is True
        volume = volumes[mount["name"]]["secret"]
        assert volume["secretName"] == secret
        assert volume["items"] == [{"key": "pseudonym.key", "path": filename}]
        assert volume["defaultMode"] == 0o440


def test_env_references_are_defined_before_use(docs):
    """The kubelet expands $(NAME) only from variables defined earlier in the same list."""
    for where, spec in pod_specs(docs).items():
        for c in spec["containers"]:
            seen: set[str] = set()
            for e in c["env"]:
                for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", e.get("value", "")):
                    assert ref in seen, (where, e["name"], ref)
                seen.add(e["name"])


# ------------------------------------------------------------------------------------------
# the rendered environment is what the services' settings read
# ------------------------------------------------------------------------------------------

def resolved_env(c: dict, pod_name: str) -> dict[str, str]:
    """The container's environment as the kubelet would give it, Secrets replaced by stand-ins."""
    env: dict[str, str] = {}
    for e in c["env"]:
        if "value" in e:
            value = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env[m.group(1)], e["value"])
        elif "secretKeyRef" in e["valueFrom"]:
            value = f"stand-in-for-{e['valueFrom']['secretKeyRef']['name']}"
        else:
            value = {"metadata.name": pod_name, "metadata.namespace": NAMESPACE}[e["valueFrom"]["fieldRef"]["fieldPath"]]
        env[e["name"]] = value
    return env


SETTINGS = {
    "ingest": ("rarelog_ingest.settings", "IngestSettings"),
    "pseudonymizer": ("rarelog_pseudonymizer.settings", "PseudonymizerSettings"),
    "reconciler": ("rarelog_reconciler.settings", "ReconcilerSettings"),
    "registry-store": ("rarelog_registry_store.settings", "RegistryStoreSettings"),
}


@pytest.mark.parametrize("service", SERVICES)
def test_services_read_the_rendered_settings(production_docs, monkeypatch, service):
    import importlib

    for name in list(os.environ):
        if name.startswith(("RARELOG_", "OTEL_")) or name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"):
            monkeypatch.delenv(name)
    env = resolved_env(container(production_docs, service), f"{PREFIX}-{service}-7d4b9c-x2x8q")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module, cls = SETTINGS[service]
    settings = getattr(importlib.import_module(module), cls)()
    assert settings.health_host == "0.0.0.0" and settings.health_port == 8080
    assert settings.topic_prefix == "prod."
    client = settings.kafka_common()
    assert client["security.protocol"] == "SASL_SSL"
    assert client["sasl.password"].startswith("stand-in-for-rarelog-kafka-")
    assert client["ssl.ca.location"] == "/etc/rarelog/kafka-tls/ca.crt"
    if service == "reconciler":
        assert settings.instance_id == "0"
        assert str(settings.state_dir).startswith("/var/lib/rarelog/reconciler/")
    else:
        assert settings.instance_id.startswith(f"{PREFIX}-{service}-")
    assert env["OTEL_SERVICE_NAME"] == f"rarelog-{service}"
    assert f"k8s.namespace.name={NAMESPACE}" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://otel-collector.")


# ------------------------------------------------------------------------------------------
# network policies
# ------------------------------------------------------------------------------------------

def egress_ports(policy: dict) -> set[int]:
    return {p["port"] for rule in policy["spec"].get("egress", []) for p in rule["ports"]}


def test_network_policies(docs):
    policies = of_kind(docs, "NetworkPolicy")
    deny = policies[f"{PREFIX}-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny
    assert deny["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "rarelog",
                                                  "app.kubernetes.io/instance": RELEASE}
    # Every pod of the release (services and Jobs) carries those labels.
    for d in docs:
        if d["kind"] in ("Deployment", "Job"):
            assert deny["podSelector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
    kafka_port = 9093 if any(d["kind"] == "ScaledObject" for d in docs) else 9092
    for name, policy in policies.items():
        if name.endswith("default-deny"):
            continue
        component = policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        ports = egress_ports(policy)
        # PostgreSQL for registry-store and the migration Job only.
        assert (5432 in ports) == (component in ("registry-store", "migrate")), name
        assert 53 in ports, name
        assert (kafka_port in ports) == (component != "migrate"), name
        ingress = policy["spec"].get("ingress", [])
        if component in SERVICES:
            (rule,) = ingress
            assert [p["port"] for p in rule["ports"]] == [8080]
        else:
            assert ingress == []


def test_production_network_policies_name_their_peers(production_docs):
    policy = of_kind(production_docs, "NetworkPolicy")[f"{PREFIX}-registry-store"]["spec"]
    for rule in policy["egress"]:
        assert rule.get("to"), rule  # no "anywhere" left in production
    (scrape,) = policy["ingress"]
    assert scrape["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                               "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}]


# ------------------------------------------------------------------------------------------
# hook Jobs and Kafka ACLs
# ------------------------------------------------------------------------------------------

def test_hook_jobs(docs):
    jobs = of_kind(docs, "Job")
    topics, migrate = jobs[f"{PREFIX}-topics"], jobs[f"{PREFIX}-migrate"]
    for job in (topics, migrate):
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # Topics first, then the migrations.
    assert int(topics["metadata"]["annotations"]["helm.sh/hook-weight"]) < \
        int(migrate["metadata"]["annotations"]["helm.sh/hook-weight"])
    (tc,) = topics["spec"]["template"]["spec"]["containers"]
    assert tc["args"][:4] == ["topics", "create", "--partitions", tc["args"][3]] and int(tc["args"][3]) >= 1
    assert "DATABASE_URL" not in env_of(tc)
    (mc,) = migrate["spec"]["template"]["spec"]["containers"]
    assert mc["args"] == ["migrate"]
    assert "secretKeyRef" in env_of(mc)["DATABASE_URL"]["valueFrom"]
    assert "KAFKA_BOOTSTRAP_SERVERS" not in env_of(mc)


def acl_document(docs: list[dict]) -> dict:
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == f"{PREFIX}-topics-acls"]
    return json.loads(cm["data"]["acls.json"])


def test_acls_applied_by_the_topic_job(production_docs):
    cm = [d for d in production_docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-acls")][0]
    job = of_kind(production_docs, "Job")[f"{PREFIX}-topics"]
    # The ConfigMap is a hook too, created before the Job on a first install.
    assert cm["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(cm["metadata"]["annotations"]["helm.sh/hook-weight"]) < \
        int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    (c,) = job["spec"]["template"]["spec"]["containers"]
    acl_file = c["args"][c["args"].index("--acls") + 1]
    mount = [m for m in c["volumeMounts"] if acl_file.startswith(m["mountPath"] + "/")][0]
    volume = [v for v in job["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]][0]
    assert volume["configMap"]["name"] == cm["metadata"]["name"]


def test_identified_topics_are_readable_by_ingest_and_the_pseudonymizer_alone(production_docs):
    document = acl_document(production_docs)
    bindings = document["bindings"]
    assert {b["permission"] for b in bindings} == {"ALLOW"}
    assert sorted(document["exclusive_read_topics"]) == sorted(f"prod.{t}" for t in IDENTIFIED_TOPICS)
    readers: dict[str, set[str]] = {}
    for b in bindings:
        assert b["operation"] != "ALL" and b["host"] == "*"
        assert b["pattern_type"] in ("LITERAL", "PREFIXED")
        if b["resource_type"] == "TOPIC":
            assert b["pattern_type"] == "LITERAL"  # no prefix grant can reach an identified topic
            if b["operation"] == "READ":
                readers.setdefault(b["resource_name"], set()).add(b["principal"])
    assert readers["prod.registry.intake.submissions"] == {"User:rarelog-ingest"}
    assert readers["prod.registry.intake.records"] == {"User:rarelog-pseudonymizer"}
    # ... and their dead letters by the operators, and by the pseudonymizer, which removes an
    # erased patient's from them (docs/decisions/0011).
    for dlq in ("prod.registry.intake.submissions.dlq", "prod.registry.intake.records.dlq"):
        assert readers[dlq] == {"User:registry-operations", "User:rarelog-pseudonymizer"}
    # Downstream services never read identity.
    for principal in ("User:rarelog-reconciler", "User:rarelog-registry-store", "User:rarelog-keda"):
        assert not any(principal in readers.get(f"prod.{t}", set()) for t in IDENTIFIED_TOPICS)
    # KEDA's principal only describes.
    assert {b["operation"] for b in bindings if b["principal"] == "User:rarelog-keda"} == {"DESCRIBE"}
    # Transactional ids are granted by prefix, since the pod name is part of them.
    txn = {b["resource_name"] for b in bindings if b["resource_type"] == "TRANSACTIONAL_ID"}
    assert txn == {f"prod.rarelog-{s}-" for s in ("ingest", "pseudonymizer", "reconciler")}


def test_the_topic_job_command_reads_every_binding_of_the_acl_file(production_docs):
    from rarelog.operate import binding_of

    document = acl_document(production_docs)
    bindings = [binding_of(b) for b in document["bindings"]]
    assert len({(b.principal, b.operation, b.restype, b.name) for b in bindings}) == len(document["bindings"])


def test_acls_need_principals(helm):
    result = template(helm, "--set", "kafka.acls.apply=true")
    assert result.returncode != 0 and "kafka.acls.principals.ingest is required" in result.stderr


# ------------------------------------------------------------------------------------------
# values schema and documentation
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("setting", [
    "ingest.replicaCount=2",                 # misspelt key
    "ingest.replicas=two",                   # wrong type
    "networkPolicy.enable=false",
    "pseudonymizer.keySecret.name=",         # the key Secret is required
    "kafka.sasl.mechanism=GSSAPI",
    "reconciler.linkProbability=1.5",
    "image.pullPolicy=Sometimes",
])
def test_schema_refuses_misspelt_or_mistyped_values(helm, setting):
    result = template(helm, "--set", setting)
    assert result.returncode != 0, setting
    assert "don't meet the specifications of the schema" in result.stderr


def test_lint_fails_on_a_misspelt_value(helm):
    result = run_helm(helm, "lint", str(CHART), "--kube-version", KUBE_VERSION, "--set", "ingest.replicaCount=2")
    assert result.returncode != 0
    assert "replicaCount" in result.stdout + result.stderr


def test_every_object_of_the_schema_is_closed():
    schema = json.loads((CHART / "values.schema.json").read_text())

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, path
            for key, child in node.items():
                walk(child, f"{path}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}/{i}")

    walk(schema, "#")


# Values that are maps of the user's own keys (labels, selectors, settings), or Kubernetes
# objects: documented as one row.
FREE_MAPS = {"commonLabels", "annotations", "labels", "clientConfig", "resourceAttributes", "namespaceSelector",
             "podSelector", "resources", "podAnnotations", "podLabels", "nodeSelector", "affinity"}


def leaf_paths(node, prefix=""):
    if isinstance(node, dict) and node and prefix.rsplit(".", 1)[-1] not in FREE_MAPS:
        for key, child in node.items():
            yield from leaf_paths(child, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix


def test_every_value_is_documented_in_the_readme():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)`", readme, re.M))
    missing = [p for p in leaf_paths(values) if p not in documented]
    assert not missing, f"values without a row in the chart README's tables: {missing}"


def test_dashboard_shows_the_registry_metrics(production_docs):
    (cm,) = [d for d in production_docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard")]
    dashboard = json.loads(cm["data"]["rarelog.json"])
    expressions = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for needle in ("rarelog_consumer_lag", "rate(rarelog_records_processed_total", "[5m]",
                   "by (component, reason) (rate(rarelog_records_rejected_total",
                   "by (decision) (rate(rarelog_linkage_decisions_total"):
        assert needle in expressions


# ------------------------------------------------------------------------------------------
# the image
# ------------------------------------------------------------------------------------------

def test_dockerfile_runtime_stage():
    text = DOCKERFILE.read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)
    assert len(stages) == 3  # preamble, builder, runtime
    builder, runtime = stages[1], stages[2]
    assert builder.split()[2] == "builder" and "pip wheel" in builder
    # No compiler or build tool in the final stage, and no installer left behind.
    assert not re.search(r"build-essential|\bgcc\b|apt-get install", runtime)
    assert "--mount=type=bind,from=builder,source=/wheels" in runtime
    assert "pip uninstall -y pip setuptools wheel" in runtime
    assert re.search(r"^USER \$\{RARELOG_UID\}:\$\{RARELOG_GID\}$", runtime, re.M)
    assert 'ENTRYPOINT ["rarelog"]' in runtime
    # Read-only root filesystem: no bytecode written at run time, numba's cache on /tmp.
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime and "NUMBA_CACHE_DIR=/tmp/" in runtime
    dockerignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
                    if line and not line.startswith("#")]
    assert dockerignore[0] == "*"  # everything is left out unless let in by name
    assert not any(".rarelog" in line or ".venv" in line for line in dockerignore)

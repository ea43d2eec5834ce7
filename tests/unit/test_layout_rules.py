"""The layout rules of the code base, checked on the source: services meet only through events,
the kit imports no service, and domain modules do no I/O."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {p.name: next(p.glob("rarelog_*")) for p in (ROOT / "services").iterdir() if p.is_dir()}
SERVICE_PACKAGES = {pkg.name for pkg in SERVICES.values()}
IO_MODULES = {"confluent_kafka", "psycopg", "socket", "urllib", "http", "subprocess"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_service_has_the_same_shape():
    assert set(SERVICES) == {"ingest", "pseudonymizer", "reconciler", "registry-store"}
    for name, pkg in SERVICES.items():
        for module in ("settings.py", "bootstrap.py", "domain.py", "entrypoint.py"):
            assert (pkg / module).is_file(), f"{name} lacks {module}"
        assert (pkg.parent / "tests").is_dir(), f"{name} has no tests folder"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_imports_no_other_service(service):
    pkg = SERVICES[service]
    for path in pkg.rglob("*.py"):
        foreign = imports(path) & (SERVICE_PACKAGES - {pkg.name})
        assert not foreign, f"{path.relative_to(ROOT)} imports {foreign}"


def test_the_kit_imports_no_service():
    for path in (ROOT / "kit").rglob("*.py"):
        assert not imports(path) & (SERVICE_PACKAGES | {"rarelog"}), path.relative_to(ROOT)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_domain_modules_do_no_io(service):
    pkg = SERVICES[service]
    pure = [pkg / "domain.py", *(pkg / "rules").glob("*.py"), *(pkg / "linkage").glob("*.py"),
            *(pkg / name for name in ("rules.py", "normalise.py", "encodings.py") if (pkg / name).exists())]
    for path in pure:
        found = imports(path) & IO_MODULES
        assert not found, f"{path.relative_to(ROOT)} imports {found}"
        kit_io = {m for m in ("rarelog_kit.kafka_loop", "rarelog_kit.sink_loop", "rarelog_kit.health")
                  if m in path.read_text()}
        assert not kit_io, f"{path.relative_to(ROOT)} uses the kit's I/O parts {kit_io}"

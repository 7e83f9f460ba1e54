"""`stackcheck provision`: the apt decision, binaries, the table and which image runs use (no engine).

Image names, build contexts and the image choice are tested in test_docker_images.py.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.fake_engine import FakeClient, FakeImages
from validation.components import COMPONENTS, Component
from validation.core.project import ComponentConfig
from validation.docker.images.context import LABEL_BUILT_FROM, LABEL_VERSION
from validation.provision.apt import Apt, HostFacts, is_debian_package
from validation.provision.provision import (
    Provisioned,
    ensure_binary,
    format_table,
    images_summary,
    provision,
)

pytestmark = pytest.mark.unit

DEBIAN_LDD = """\
\tlinux-vdso.so.1 (0x00007ffc6a1f2000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f91bae87000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f91bb07c000)
"""
ROOT = HostFacts(is_root=True, is_debian=True, has_apt=True)
USER = HostFacts(is_root=False, is_debian=True, has_apt=True)


# ---------------------------------------------------------------- apt decision
class FakeRunner:
    """Answers apt-get commands from a script: each install attempt pops the next exit code."""

    def __init__(self, install_codes: list[int], on_install: Any = None) -> None:
        self.install_codes = install_codes
        self.calls: list[list[str]] = []
        self.on_install = on_install

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(argv)
        if "install" in argv:
            code = self.install_codes.pop(0)
            if code == 0 and self.on_install:
                self.on_install(argv[-1])
            return code, "E: Unable to locate package" if code else "Setting up"
        return 0, ""

    def commands(self) -> list[str]:
        return [" ".join(a[2:4]) for a in self.calls]


@pytest.mark.parametrize(
    ("case", "codes", "ok", "commands"),
    [
        ("install works: no update", [0], True, ["apt-get install"]),
        (
            "install fails: update once, retry",
            [100, 0],
            True,
            ["apt-get install", "apt-get update", "apt-get install"],
        ),
        (
            "fails after update too",
            [100, 100],
            False,
            ["apt-get install", "apt-get update", "apt-get install"],
        ),
    ],
)
def test_apt_install_updates_only_after_a_failure(
    case: str, codes: list[int], ok: bool, commands: list[str]
) -> None:
    runner = FakeRunner(codes)
    assert Apt(runner).install("prometheus")[0] is ok, case
    assert runner.commands() == commands


def test_apt_updates_at_most_once_per_provision() -> None:
    runner = FakeRunner([100, 100, 100])
    apt = Apt(runner)
    apt.install("prometheus")
    apt.install("prometheus-alertmanager")
    assert runner.commands().count("apt-get update") == 1


def _which(present: set[str]) -> Any:
    return lambda name: f"/usr/bin/{name}" if name in present else None


@pytest.mark.parametrize(
    ("case", "component", "present", "host", "required", "status", "reason_has", "apt_calls"),
    [
        ("binary on PATH: nothing installed", "prometheus", {"prometheus"}, ROOT, True, "found", "", 0),
        ("upstream name found too", "alertmanager", {"alertmanager"}, USER, True, "found", "", 0),
        ("root on Debian installs the package", "prometheus", set(), ROOT, True, "installed", "", 1),
        ("not root: missing, says what to install", "pushgateway", set(), USER, True, "missing",
         "apt-get install prometheus-pushgateway", 0),
        ("no Debian package, optional: absent, apt untouched", "grafana", set(), ROOT, False, "absent",
         "no Debian package", 0),
        ("no Debian package, required: missing", "grafana", set(), ROOT, True, "missing", "no Debian package", 0),
    ],
)  # fmt: skip
def test_ensure_binary_decides_between_path_apt_and_reporting(
    case: str,
    component: str,
    present: set[str],
    host: HostFacts,
    required: bool,
    status: str,
    reason_has: str,
    apt_calls: int,
) -> None:
    spec = COMPONENTS[component]
    runner = FakeRunner([0], on_install=lambda pkg: present.add(spec.binaries[0]))
    item = Provisioned(component, required=required)
    ensure_binary(
        spec,
        ComponentConfig(component, required=required),
        item,
        host=host,
        apt=Apt(runner),
        which=_which(present),
    )
    assert item.binary_status == status, case
    assert (item.binary != "") is (status in ("found", "installed"))
    assert reason_has in " ".join(item.reasons)
    assert sum("install" in c for c in runner.calls) == apt_calls


def test_ensure_binary_reports_a_package_that_installed_no_binary() -> None:
    item = Provisioned("prometheus", required=True)
    ensure_binary(
        COMPONENTS["prometheus"],
        ComponentConfig("prometheus"),
        item,
        host=ROOT,
        apt=Apt(FakeRunner([0])),
        which=_which(set()),
    )
    assert item.binary_status == "missing"
    assert "installed no prometheus" in item.reasons[0]


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("prometheus", True),
        ("prometheus-node-exporter", True),
        ("grafana (not in Debian: use X)", False),
        ("", False),
    ],
)
def test_is_debian_package(name: str, package: bool) -> None:
    assert is_debian_package(name) is package


# ---------------------------------------------------------------- provision end to end (fakes)
def _provision(
    tmp_path: Path, present: set[str], host: HostFacts, client: Any = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    def run(argv: list[str]) -> tuple[int, str]:
        return (0, DEBIAN_LDD) if argv[0] == "ldd" else (100, "E: no network")

    code = provision(
        tmp_path, out=out, err=err, host=host, run=run, which=_which(present), client=client, use_engine=False
    )
    return code, out.getvalue(), err.getvalue()


ALL_BINARIES = {"prometheus", "prometheus-alertmanager", "prometheus-pushgateway", "prometheus-node-exporter"}


def test_provision_passes_when_only_the_optional_grafana_is_absent(tmp_path: Path) -> None:
    code, out, err = _provision(tmp_path, set(ALL_BINARIES), USER)
    assert code == 0
    assert "grafana" in out and "(absent)" in out
    assert "note: grafana: no grafana or grafana-server on PATH and no Debian package" in err
    assert "error" not in err


def test_provision_exits_2_naming_the_package_to_install(tmp_path: Path) -> None:
    code, _, err = _provision(tmp_path, ALL_BINARIES - {"prometheus-pushgateway"}, USER)
    assert code == 2
    assert "error: pushgateway:" in err and "apt-get install prometheus-pushgateway" in err


def test_provision_accepts_a_missing_binary_when_its_official_image_exists(tmp_path: Path) -> None:
    images = FakeImages(
        {
            "prom/pushgateway:v1.5.1": {},
            "prom/prometheus:v2.42.0": {},
            "prom/alertmanager:v0.25.0": {},
            "prom/node-exporter:v1.5.0": {},
        }
    )
    code, out, _ = _provision(tmp_path, ALL_BINARIES - {"prometheus-pushgateway"}, USER, FakeClient(images))
    assert code == 0
    assert "prom/pushgateway:v1.5.1    official, present" in out
    assert images.built == [], "official images present: nothing is built"
    assert "containers runs use — official: node_exporter, pushgateway, alertmanager, prometheus" in out


LOCAL_TAGS = [
    "stackcheck-local/alertmanager:0.25.0",
    "stackcheck-local/node_exporter:1.5.0",
    "stackcheck-local/prometheus:2.42.0",
    "stackcheck-local/pushgateway:1.5.1",
]


def _provision_offline(
    tmp_path: Path, images: FakeImages, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ALL_BINARIES:
        (bin_dir / name).write_bytes(b"fake")
    versions = {
        "prometheus": "2.42.0",
        "alertmanager": "0.25.0",
        "pushgateway": "1.5.1",
        "node_exporter": "1.5.0",
    }
    monkeypatch.setattr(Component, "version", lambda self, binary: versions[self.name])
    out, err = io.StringIO(), io.StringIO()
    code = provision(
        tmp_path,
        out=out,
        err=err,
        host=USER,
        run=lambda argv: (1, "\tnot a dynamic executable\n") if argv[0] == "ldd" else (1, ""),
        which=lambda name: str(bin_dir / name) if name in ALL_BINARIES else None,
        client=FakeClient(images),
        pull=False,
    )
    return code, out.getvalue(), err.getvalue()


def test_provision_builds_local_images_under_the_projects_own_name_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    images = FakeImages({})
    code, out, err = _provision_offline(tmp_path, images, monkeypatch)
    assert code == 0, err
    assert sorted(t for t, _ in images.built) == LOCAL_TAGS
    assert not any(t.startswith("prom/") for t in images.present), "never an official name on a local build"
    assert all("ENTRYPOINT" in text for _, text in images.built)
    assert "stackcheck-local/prometheus:2.42.0    local build, built" in out
    assert "containers runs use — local build: node_exporter, pushgateway, alertmanager, prometheus" in out
    assert (
        "note: prometheus: prom/prometheus:v2.42.0 not pulled (pulling is off: `stackcheck provision --pull` "
        "to try); runs use the local build stackcheck-local/prometheus:2.42.0"
    ) in err


def test_provision_never_uses_an_official_name_an_older_release_put_on_a_local_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mistagged = {LABEL_BUILT_FROM: "/usr/bin/prometheus@2.42.0", LABEL_VERSION: "2.42.0"}
    images = FakeImages({"prom/prometheus:v2.42.0": mistagged})
    code, _, err = _provision_offline(tmp_path, images, monkeypatch)
    assert code == 0, err
    assert "stackcheck-local/prometheus:2.42.0" in [t for t, _ in images.built]
    assert "`docker rmi prom/prometheus:v2.42.0`" in err
    assert images.present["prom/prometheus:v2.42.0"] == mistagged, "the user's engine is not modified"


def test_format_table_aligns_columns_and_shows_a_version_mismatch() -> None:
    items = [
        Provisioned(
            "prometheus", True, "/usr/bin/prometheus", "2.42.0", "found",
            "stackcheck-local/prometheus:2.42.0", "built", "local build", "2.42.0",
        ),
        Provisioned(
            "alertmanager", True, "", "", "missing", "prom/alertmanager:v0.25.0", "pulled", "official", "0.25.0"
        ),
    ]  # fmt: skip
    lines = format_table(items).splitlines()
    assert lines[0].split() == ["component", "binary", "version", "image", "image", "status"]
    assert lines[1].index("/usr/bin") == lines[2].index("(missing)") == lines[0].index("binary")
    assert lines[1].endswith("local build, built") and lines[2].endswith("official, pulled")
    assert "- (image 0.25.0)" in lines[2]
    assert images_summary(items) == "containers runs use — local build: prometheus; official: alertmanager\n"


def test_provision_notes_a_binary_whose_version_differs_from_the_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(type(COMPONENTS["prometheus"]), "version", lambda self, binary: "2.41.0")
    code, _, err = _provision(tmp_path, set(ALL_BINARIES), USER)
    assert code == 0
    assert "note: prometheus: stack.yaml pins 2.42.0 but /usr/bin/prometheus is 2.41.0" in err

"""Component modules: the registry, instances, launch arguments; the one binary finder and apt probe."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import edit
from validation.components import COMPONENTS, component_names, launched_by_default, tool_package
from validation.components.base import LaunchInputs, Placement, Rendered
from validation.core.errors import ComponentUnavailable, HarnessError
from validation.core.project import ComponentConfig, Project
from validation.docker import engine
from validation.provision.apt import Apt, HostFacts, install_hint
from validation.provision.binaries import binary_version, find_binary, require_binary
from validation.provision.provision import component_configs
from validation.stack.stack import Stack, StackOptions

pytestmark = pytest.mark.unit

STACK_FILE = Path("/repo/stack/stack.yaml")


def _launch(tmp_path: Path, time_scale: float = 1.0, rendered: Rendered | None = None) -> LaunchInputs:
    return LaunchInputs(
        workdir=tmp_path / "work",
        listen=("127.40.0.7", 9090),
        time_scale=time_scale,
        web_config=tmp_path / "web.yml",
        rendered=rendered,
    )


def _flags(args: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("--").partition("=")[::2] for arg in args)


# ---------------------------------------------------------------- the registry
def test_stack_yaml_accepts_exactly_the_registered_components(stack_copy: Path) -> None:
    edit(stack_copy / "stack/stack.yaml", "  grafana:\n", "  loki:\n")
    with pytest.raises(HarnessError) as err:
        Project.load(stack_copy)
    assert "unknown component 'loki'" in err.value.what
    assert err.value.hint == "components are: " + ", ".join(COMPONENTS)


def test_the_stack_starts_in_registry_order_whatever_order_it_is_asked_in(stack_copy: Path) -> None:
    project = Project.load(stack_copy)
    stack = Stack(project, StackOptions(components=tuple(reversed(component_names()))))
    order = stack.selected()
    assert order == [name for name in COMPONENTS if name in project.components]
    assert order.index("alertmanager") < order.index("prometheus")
    assert order.index("node_exporter") < order.index("prometheus")


def test_the_default_selection_and_provision_defaults_come_from_the_modules(tmp_path: Path) -> None:
    assert StackOptions().components == launched_by_default()
    assert "grafana" not in launched_by_default() and "prometheus" in launched_by_default()
    configs = component_configs(tmp_path)  # no stack.yaml: every registered component at its default
    assert list(configs) == list(COMPONENTS)
    for name, config in configs.items():
        assert config.version == COMPONENTS[name].default_version
        assert config.required is COMPONENTS[name].required_by_default
    assert configs["grafana"].required is False and configs["prometheus"].required is True


@pytest.mark.parametrize(
    ("tool", "package"),
    [("promtool", "prometheus"), ("amtool", "prometheus-alertmanager"), ("unknown-tool", "unknown-tool")],
)
def test_a_tool_is_installed_by_its_components_package(tool: str, package: str) -> None:
    assert tool_package(tool) == package


# ---------------------------------------------------------------- instances
def test_node_exporter_runs_one_instance_per_file_sd_target(tmp_path: Path) -> None:
    targets = tmp_path / "nodes.yml"
    targets.write_text(
        '- targets: ["gpu-1:9100", "gpu-2:9200"]\n  labels: {rack: r1}\n- targets: ["gpu-3"]\n',
        encoding="utf-8",
    )
    config = ComponentConfig("node_exporter", targets=targets)
    assert COMPONENTS["node_exporter"].instances(config, STACK_FILE) == [
        Placement("node_exporter/gpu-1", "gpu-1", 9100),
        Placement("node_exporter/gpu-2", "gpu-2", 9200),
        Placement("node_exporter/gpu-3", "gpu-3", 9100),
    ]


def test_node_exporter_without_targets_names_the_file_to_fix(tmp_path: Path) -> None:
    unresolved = ComponentConfig(
        "node_exporter", unresolved="cannot tell which scrape job scrapes the node_exporters"
    )
    with pytest.raises(HarnessError, match=r"prometheus\.yml's node job: cannot tell") as err:
        COMPONENTS["node_exporter"].instances(unresolved, STACK_FILE)
    assert err.value.place == str(STACK_FILE) and "components.node_exporter.job" in err.value.hint
    from_job = ComponentConfig("node_exporter", job="hosts", target_addresses=("h-1:9100", "h-2"))
    assert [p.host for p in COMPONENTS["node_exporter"].instances(from_job, STACK_FILE)] == ["h-1", "h-2"]
    empty = tmp_path / "nodes.yml"
    empty.write_text("- targets: []\n", encoding="utf-8")
    with pytest.raises(HarnessError, match="lists no target") as err:
        COMPONENTS["node_exporter"].instances(ComponentConfig("node_exporter", targets=empty), STACK_FILE)
    assert err.value.place == str(empty)


@pytest.mark.parametrize("name", ["prometheus", "alertmanager", "pushgateway"])
def test_a_single_instance_component_runs_at_its_address(name: str) -> None:
    component = COMPONENTS[name]
    config = ComponentConfig(name, address=f"{name}-host:1234")
    assert component.instances(config, STACK_FILE) == [Placement(name, f"{name}-host", 1234)]
    with pytest.raises(HarnessError, match=f"components.{name}.address is missing"):
        component.instances(ComponentConfig(name), STACK_FILE)


# ---------------------------------------------------------------- launch arguments
def test_prometheus_gets_its_rendered_config_and_relocated_storage(tmp_path: Path) -> None:
    rendered = Rendered(tmp_path / "config/prometheus.yml", None)
    config = ComponentConfig(
        "prometheus",
        flags={
            "storage.tsdb.path": "/prometheus",
            "config.file": "/etc/prometheus/prometheus.yml",
            "web.listen-address": ":9090",
            "web.enable-lifecycle": True,
            "web.enable-admin-api": False,
        },
    )
    args = COMPONENTS["prometheus"].launch_args(config, _launch(tmp_path, rendered=rendered))
    assert args[:3] == [
        f"--config.file={rendered.path}",
        f"--web.config.file={tmp_path / 'web.yml'}",
        "--web.listen-address=127.40.0.7:9090",
    ]
    assert args[3:] == [
        f"--storage.tsdb.path={tmp_path / 'work' / 'prometheus'}",
        "--web.enable-lifecycle",
        "--no-web.enable-admin-api",
    ]
    assert "query.lookback-delta" not in _flags(args)  # time scale 1: no time flag added


def test_prometheus_time_flags_follow_the_time_scale(tmp_path: Path) -> None:
    rendered = Rendered(tmp_path / "prometheus.yml", None)
    config = ComponentConfig("prometheus", flags={"query.lookback-delta": "10m"})
    flags = _flags(COMPONENTS["prometheus"].launch_args(config, _launch(tmp_path, 60, rendered)))
    assert flags["query.lookback-delta"] == "10s"
    assert flags["rules.alert.for-grace-period"] == "10s"  # the 10m default, scaled


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ({}, "127.40.0.7:9094"),
        ({"cluster.listen-address": ""}, ""),
        ({"cluster.listen-address": "0.0.0.0:9094"}, "127.40.0.7:9094"),
        ({"cluster.listen-address": "10.1.2.3:9300"}, "127.40.0.7:9300"),
    ],
    ids=["upstream default gossips", "off stays off", "wildcard", "node address keeps its port"],
)
def test_alertmanager_gossip_stays_on_its_own_loopback_address(
    tmp_path: Path, configured: dict[str, Any], expected: str
) -> None:
    """The harness adds no cluster.listen-address of its own: a config that gossips (the upstream
    default when unset) still gossips, on the instance's loopback address (security/…/clustering
    reports it)."""
    rendered = Rendered(tmp_path / "alertmanager.yml", None)
    config = ComponentConfig("alertmanager", flags={"storage.path": "/alertmanager", **configured})
    args = COMPONENTS["alertmanager"].launch_args(config, _launch(tmp_path, rendered=rendered))
    assert args[0] == f"--config.file={rendered.path}"
    flags = _flags(args)
    assert flags["cluster.listen-address"] == expected
    assert flags["storage.path"] == str(tmp_path / "work" / "alertmanager")


def test_alertmanager_peers_go_to_their_loopback_stand_ins(tmp_path: Path) -> None:
    config = ComponentConfig("alertmanager", flags={"cluster.peer": ["am-2:9094", "am-3:9094"]})
    launch = replace(_launch(tmp_path), map_address=lambda a: a.replace("am-", "127.40.0."))
    args = COMPONENTS["alertmanager"].launch_args(config, launch)
    assert [a for a in args if a.startswith("--cluster.peer=")] == [
        "--cluster.peer=127.40.0.2:9094", "--cluster.peer=127.40.0.3:9094",
    ]  # fmt: skip


def test_node_exporter_textfile_directory_is_created_in_the_run_dir(tmp_path: Path) -> None:
    config = ComponentConfig(
        "node_exporter", flags={"collector.textfile.directory": "/var/lib/node_exporter/textfile"}
    )
    args = COMPONENTS["node_exporter"].launch_args(config, _launch(tmp_path))
    textfile = tmp_path / "work" / "textfile"
    assert f"--collector.textfile.directory={textfile}" in args
    assert textfile.is_dir()
    assert not any(arg.startswith("--config.file") for arg in args)


def test_pushgateway_persistence_file_moves_into_the_run_dir(tmp_path: Path) -> None:
    config = ComponentConfig(
        "pushgateway", flags={"persistence.file": "/data/pg.data", "persistence.interval": "5m"}
    )
    flags = _flags(COMPONENTS["pushgateway"].launch_args(config, _launch(tmp_path)))
    assert flags["persistence.file"] == str(tmp_path / "work" / "pg.data")
    assert flags["persistence.interval"] == "5m"


def test_the_reference_stack_renders_with_each_component_module(stack_copy: Path, tmp_path: Path) -> None:
    stack = Stack(Project.load(stack_copy), StackOptions(run_root=tmp_path, synthetic=False))
    try:
        state = stack.render()
        names = list(state.instances)
        assert names[:4] == [f"node_exporter/gpu-node-{i}" for i in range(1, 5)]
        assert names[4:] == ["pushgateway", "alertmanager", "prometheus"]
        assert set(state.rendered) == {"prometheus", "alertmanager"}
        assert state.prometheus is not None and state.prometheus.path.is_file()
        assert state.alertmanager is not None and state.alertmanager.path.is_file()
        assert state.prometheus.path.is_relative_to(stack.run_dir)
    finally:
        stack.stop()


# ---------------------------------------------------------------- binaries and apt
def _which(present: dict[str, str]) -> Any:
    return present.get


def test_find_binary_takes_the_first_name_found() -> None:
    which = _which({"node_exporter": "/opt/node_exporter", "prometheus-node-exporter": "/usr/bin/pne"})
    assert find_binary(("prometheus-node-exporter", "node_exporter"), which) == "/usr/bin/pne"
    assert find_binary(("missing", "node_exporter"), which) == "/opt/node_exporter"
    assert find_binary(("missing",), which) == ""
    component = COMPONENTS["node_exporter"]
    assert component.find_binary(ComponentConfig("node_exporter", binary="node_exporter"), which) == (
        "/opt/node_exporter"
    )


@pytest.mark.parametrize(
    ("names", "package", "what", "hint_has"),
    [
        (("promtool",), "prometheus", "promtool is not on PATH", "apt-get install prometheus"),
        (("a-x", "b-x"), "pkg", "none of a-x, b-x is on PATH", "apt-get install pkg"),
        (("grafana",), "grafana (not in Debian: use X)", "grafana is not on PATH", "put the binary on PATH"),
    ],
)
def test_require_binary_says_what_to_install(
    names: tuple[str, ...], package: str, what: str, hint_has: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ComponentUnavailable) as err:
        require_binary(names, place="here", hint=install_hint(package))
    assert err.value.what == what and err.value.place == "here"
    assert hint_has in err.value.hint
    if "not in Debian" in package:
        assert "apt-get" not in err.value.hint


def test_binary_version_reads_what_the_binary_prints(tmp_path: Path) -> None:
    binary = tmp_path / "prometheus"
    binary.write_text("#!/bin/sh\necho 'prometheus, version 2.42.0 (branch: debian/sid)' >&2\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    assert binary_version(str(binary)) == "2.42.0"
    assert binary_version(str(tmp_path / "absent")) == ""


def test_apt_require_names_the_package_and_the_command_to_retry() -> None:
    calls: list[list[str]] = []

    def failing(argv: list[str]) -> tuple[int, str]:
        calls.append(argv)
        return 100, "E: Unable to locate package docker.io"

    with pytest.raises(ComponentUnavailable) as err:
        Apt(failing).require("docker.io", retry="stackcheck provision --docker")
    assert "apt-get install docker.io failed: E: Unable to locate package" in err.value.what
    assert "stackcheck provision --docker" in err.value.hint
    assert [c[2:4] for c in calls] == [["apt-get", "install"], ["apt-get", "update"], ["apt-get", "install"]]


@pytest.mark.parametrize(
    ("dockerd", "host", "expected", "apt_calls"),
    [
        ("", HostFacts(is_root=False, is_debian=True, has_apt=True), "dockerd is not installed", 0),
        ("", HostFacts(is_root=True, is_debian=False, has_apt=True), "dockerd is not installed", 0),
        ("", HostFacts(is_root=True, is_debian=True, has_apt=True), "apt-get install docker.io failed", 3),
        ("/usr/sbin/dockerd", HostFacts(is_root=False, is_debian=True, has_apt=True), "start it as root", 0),
    ],
    ids=["not root", "not debian", "installs through apt", "installed, not root"],
)
def test_the_docker_bootstrap_decides_with_the_one_apt_probe(
    monkeypatch: pytest.MonkeyPatch, dockerd: str, host: HostFacts, expected: str, apt_calls: int
) -> None:
    calls: list[list[str]] = []

    def apt_fails(argv: list[str]) -> tuple[int, str]:
        calls.append(argv)
        return 100, "E: no network"

    monkeypatch.setattr(engine, "engine_answers", lambda timeout=2.0: False)
    monkeypatch.setattr(engine, "find_binary", lambda names: dockerd)
    monkeypatch.setattr(engine.HostFacts, "detect", classmethod(lambda cls: host))
    monkeypatch.setattr(engine, "Apt", lambda: Apt(apt_fails))
    with pytest.raises(ComponentUnavailable, match=expected):
        engine.ensure_engine(log=Path("/nonexistent/dockerd.log"), timeout=0.1)
    assert len(calls) == apt_calls

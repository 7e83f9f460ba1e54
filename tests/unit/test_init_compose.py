"""stackcheck init's reading of a compose file: flags however they are spelt, mounts, images."""

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from validation.core.errors import HarnessError
from validation.init.compose import image_parts, load_compose, parse_flags

pytestmark = pytest.mark.unit

flag_names = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9-]{0,8}){0,2}", fullmatch=True)
values = st.from_regex(r"[A-Za-z0-9/_.:^$()|-]{1,20}", fullmatch=True).filter(lambda v: not v.startswith("-"))


@given(st.dictionaries(flag_names, values, min_size=1, max_size=6), st.data())
def test_every_flag_spelling_reads_the_same(flags, data):
    argv: list[str] = []
    for name, value in flags.items():
        dashes = data.draw(st.sampled_from(["--", "-"]))
        if data.draw(st.booleans()):
            argv.append(f"{dashes}{name}={value}")
        else:
            argv += [f"{dashes}{name}", value]
    assert parse_flags(argv) == flags


@given(
    st.dictionaries(
        flag_names, values.filter(lambda v: "$" not in v), max_size=5
    ),  # $X: compose interpolates
    st.lists(flag_names, max_size=3, unique=True),
)
def test_list_and_string_commands_give_the_same_flags(tmp_path_factory, flags, switches):
    switches = [s for s in switches if s not in flags and not s.startswith("no-")]
    argv = [f"--{k}={v}" for k, v in flags.items()] + [f"--{s}" for s in switches]
    folder = tmp_path_factory.mktemp("compose")
    as_list = folder / "list.yml"
    as_string = folder / "string.yml"
    service = {"image": "prom/prometheus:v2.42.0"}
    as_list.write_text(yaml.safe_dump({"services": {"prometheus": {**service, "command": argv}}}))
    quoted = " ".join(f"'{a}'" for a in argv)
    as_string.write_text(yaml.safe_dump({"services": {"prometheus": {**service, "command": quoted}}}))
    expected = {**flags, **dict.fromkeys(switches, True)}
    assert load_compose(as_list).services[0].flags == expected
    assert load_compose(as_string).services[0].flags == expected


def test_boolean_negation_and_leading_binary():
    assert parse_flags(["/bin/prometheus", "--web.enable-lifecycle", "--no-web.enable-admin-api"]) == {
        "web.enable-lifecycle": True,
        "web.enable-admin-api": False,
    }


def test_compose_escapes_and_defaults_are_resolved(tmp_path, monkeypatch):
    monkeypatch.delenv("PROM_TAG", raising=False)
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n"
        "  node:\n"
        "    image: prom/node-exporter:${PROM_TAG:-v1.5.0}\n"
        "    command: ['--collector.filesystem.mount-points-exclude=^/(sys|proc)($$|/)']\n"
    )
    service = load_compose(path).services[0]
    assert service.version == "1.5.0"
    assert service.component == "node_exporter"
    assert service.flags == {"collector.filesystem.mount-points-exclude": "^/(sys|proc)($|/)"}


def test_mounts_map_container_paths_to_host_paths_relative_to_the_compose_file(tmp_path):
    (tmp_path / "deploy").mkdir()
    path = tmp_path / "deploy" / "docker-compose.yml"
    path.write_text(
        "configs:\n"
        "  am:\n"
        "    file: ../am/alertmanager.yml\n"
        "services:\n"
        "  prom:\n"
        "    image: quay.io/prometheus/prometheus:v2.42.0\n"
        "    volumes:\n"
        "      - ../prom:/etc/prometheus:ro\n"
        "      - data:/prometheus\n"
        "    ports: ['19090:9090']\n"
        "  am:\n"
        "    image: prom/alertmanager\n"
        "    configs:\n"
        "      - source: am\n"
        "        target: /etc/alertmanager/alertmanager.yml\n"
    )
    prom, am = load_compose(path).services
    assert prom.host_path("/etc/prometheus/rules/a.yml")[0] == tmp_path / "prom" / "rules" / "a.yml"
    assert prom.host_path("/prometheus")[0] is None  # a named volume has no host path
    assert prom.ports == (9090,)
    assert prom.repository == "prometheus/prometheus" and prom.version == "2.42.0"
    assert am.host_path("/etc/alertmanager/alertmanager.yml")[0] == tmp_path / "am" / "alertmanager.yml"
    assert am.version == ""  # no tag: not pinned


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("prom/prometheus:v2.42.0", ("prom/prometheus", "2.42.0")),
        ("gcr.io/cadvisor/cadvisor:v0.52.1", ("cadvisor/cadvisor", "0.52.1")),
        ("grafana/grafana:10.4.2-ubuntu", ("grafana/grafana", "10.4.2")),
        ("nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04", ("nvidia/k8s/dcgm-exporter", "3.3.5")),
        ("prom/alertmanager:latest", ("prom/alertmanager", "")),
        ("localhost:5000/prom/pushgateway@sha256:abc", ("prom/pushgateway", "")),
    ],
)
def test_image_names_and_versions(image, expected):
    assert image_parts(image) == expected


def test_not_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  prom:\n    image: [unclosed\n")
    with pytest.raises(HarnessError) as err:
        load_compose(path)
    assert f"{path}:" in err.value.place and "not valid YAML" in err.value.what


def test_a_file_without_services_is_not_a_compose_file(tmp_path):
    path = tmp_path / "docker-compose.yml"
    path.write_text("version: '3'\n")
    with pytest.raises(HarnessError, match="not a compose file"):
        load_compose(path)

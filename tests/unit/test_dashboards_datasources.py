"""Datasource references resolved like Grafana: uid, name, variable, mixed, null, built-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation.core.errors import ConfigError
from validation.dashboards.datasources import (
    Datasource,
    load_provisioned_datasources,
    resolve_datasource,
    resolve_target_datasource,
)

pytestmark = pytest.mark.unit

PROM = Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")
LOKI = Datasource("Logs", "loki-uid", "loki")
ALL = [LOKI, PROM]
VARIABLES = {"datasource": "prometheus", "ds_by_name": "Prometheus", "logs": "Logs"}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ({"type": "prometheus", "uid": "prometheus"}, "Prometheus"),
        ({"type": "loki", "uid": "loki-uid"}, "Logs"),
        ("Prometheus", "Prometheus"),
        ("prometheus", "Prometheus"),
        (None, "Prometheus"),
        ({"type": "prometheus"}, "Prometheus"),
        ({"type": "loki"}, "Logs"),
        ({"type": "prometheus", "uid": "${datasource}"}, "Prometheus"),
        ("$ds_by_name", "Prometheus"),
        ("[[logs]]", "Logs"),
        ("${datasource:raw}", "Prometheus"),
        ("default", "Prometheus"),
        ({"type": "datasource", "uid": "-- Mixed --"}, "-- Mixed --"),
        ("-- Grafana --", "-- Grafana --"),
        ({"type": "datasource", "uid": "grafana"}, "grafana"),
        ({"type": "__expr__", "uid": "__expr__"}, "__expr__"),
    ],
    ids=[
        "uid object", "uid of another type", "legacy name", "legacy string that is a uid", "null is the default",
        "type without uid is the default of that type", "type without uid picks a datasource of that type",
        "${var} in uid", "$var holding a name", "[[var]]", "${var:format}", "the word default",
        "mixed", "grafana built-in by name", "grafana built-in by uid", "server-side expression",
    ],
)  # fmt: skip
def test_reference_resolves(ref: object, expected: str) -> None:
    assert resolve_datasource(ref, ALL, VARIABLES.get).name == expected


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"uid": "nope"}, "not provisioned"),
        ("$undefined", "is not defined"),
        (42, "neither a string nor an object"),
    ],
)
def test_unresolvable_reference_is_a_config_error(ref: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_datasource(ref, ALL, VARIABLES.get, place="d.json")


def test_null_reference_without_any_datasource_explains_what_to_provision() -> None:
    with pytest.raises(ConfigError, match="no datasource is provisioned"):
        resolve_datasource(None, [])


@pytest.mark.parametrize(
    ("panel", "target", "expected"),
    [
        ({"uid": "-- Mixed --"}, {"uid": "loki-uid"}, "Logs"),
        ({"uid": "-- Mixed --"}, None, "Prometheus"),
        ({"uid": "loki-uid"}, None, "Logs"),
        ({"uid": "loki-uid"}, {"uid": "prometheus"}, "Prometheus"),
    ],
    ids=["mixed panel uses the target's", "mixed panel bare target uses default", "target inherits panel's",
         "target's own wins"],
)  # fmt: skip
def test_target_datasource(panel: object, target: object, expected: str) -> None:
    assert resolve_target_datasource(panel, target, ALL).name == expected


def test_provisioned_datasources_are_read_with_their_scrape_interval(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "apiVersion: 1\ndatasources:\n"
        "  - name: Prometheus\n    uid: prometheus\n    type: prometheus\n    isDefault: true\n"
        "    url: http://prometheus:9090\n    jsonData: {timeInterval: 15s}\n"
        "  - name: Other\n    type: loki\n"
    )
    first, second = load_provisioned_datasources(tmp_path)
    assert (first.uid, first.is_default, first.time_interval, first.url) == (
        "prometheus",
        True,
        "15s",
        "http://prometheus:9090",
    )
    assert (second.name, second.uid, second.time_interval) == ("Other", "", "")
    assert first.place.endswith("a.yml:3")


def test_provisioned_datasource_without_type_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("apiVersion: 1\ndatasources:\n  - name: X\n")
    with pytest.raises(ConfigError, match="needs 'name' and 'type'") as caught:
        load_provisioned_datasources(tmp_path)
    assert caught.value.place.endswith("a.yml:3")


def test_the_repository_provisions_the_prometheus_datasource_dashboards_default_to() -> None:
    folder = Path(__file__).resolve().parents[2] / "stack" / "grafana" / "provisioning" / "datasources"
    if not folder.is_dir():
        pytest.skip("stack/grafana/provisioning/datasources not present")
    ds = resolve_datasource({"type": "prometheus", "uid": "prometheus"}, load_provisioned_datasources(folder))
    assert (ds.type, ds.is_default) == ("prometheus", True)

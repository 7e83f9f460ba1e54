"""Exporters the harness does not run, on a real stack: the rearranged copy of the reference stack
(tests/layouts.py) gains a `dcgm` job in static_configs at gpu-node-1:9400 and gpu-node-2:9400 —
beside the real node_exporters on those nodes' port 9100 — described in exporters.yaml, and a
`cadvisor` job at gpu-node-1:4194 that nothing describes, and a `blackbox` job, described.

- `dcgm`: a stand-in listens at each target; the scrape check sees both up and the families the
  rules and panels read arrive under job="dcgm" (`scrape/dcgm/series`);
- `blackbox` (its relabeling scrapes every probed URL at blackbox-exporter:9115, as the blackbox
  exporter is deployed): the stand-in listens at that address, the probe target is up;
- `cadvisor`: its target is not judged down (nothing the config did wrong) — `targets-up` is
  skipped with the message naming the job, its target and the fix, its labels still checked; exit 0;
- then the dcgm job's metric_relabel_configs drop a family a rule reads: `scrape/dcgm/series`
  fails (exit 1: the config is what is wrong).
"""

import json

import pytest

from tests.cli import stackcheck
from tests.conftest import edit
from tests.layouts import EXPORTER_JOB, add_exporter_job, build_rearranged

pytestmark = pytest.mark.e2e

CADVISOR = """
  - job_name: cadvisor
    static_configs:
      - targets: ["gpu-node-1:4194"]
"""
BLACKBOX = """
  - job_name: blackbox
    metrics_path: /probe
    params: {module: [http_2xx]}
    static_configs:
      - targets: ["https://portal.example/healthz"]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: "blackbox-exporter:9115"}
"""


def run(repo, report):
    result = stackcheck("-C", str(repo), "run", "--backend", "process", "--only", "scrape,health",
                        "--report", str(report), timeout=240)  # fmt: skip
    checks = {c["id"]: c for c in json.loads((report / "results.json").read_text())["checks"]}
    return result, checks


def test_exporters_the_harness_does_not_run(tmp_path):
    repo = add_exporter_job(build_rearranged(tmp_path / "repo"))
    prometheus_yml = repo / "monitoring/prometheus/prometheus.yml"
    prometheus_yml.write_text(prometheus_yml.read_text() + CADVISOR + BLACKBOX)
    edit(repo / "test/fixtures/targets.yaml", "\njobs:\n",
         '\njobs:\n  cadvisor:\n    - {instance: "gpu-node-1:4194", labels: {job: cadvisor}}\n'
         '  blackbox:\n    - {instance: "https://portal.example/healthz", labels: {job: blackbox}}\n')  # fmt: skip
    exporters = repo / "test/fixtures/exporters.yaml"
    exporters.write_text(exporters.read_text() + "  blackbox:\n    - {series: probe_success, values: '1'}\n")

    result, checks = run(repo, tmp_path / "served")
    assert result.returncode == 0, result.stdout + result.stderr
    assert checks[f"scrape/{EXPORTER_JOB}/targets-up"]["status"] == "passed"
    assert checks[f"scrape/{EXPORTER_JOB}/targets-up"]["message"] == "2 targets up"
    assert checks[f"scrape/{EXPORTER_JOB}/labels"]["status"] == "passed"
    series = checks[f"scrape/{EXPORTER_JOB}/series"]
    assert series["status"] == "passed", series["message"]
    assert series["details"]["families"] == ["DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_XID_ERRORS"]
    assert checks["scrape/gpu-hosts/targets-up"]["status"] == "passed"  # node_exporters on the same hosts

    assert checks["scrape/blackbox/targets-up"]["status"] == "passed"
    assert checks["scrape/blackbox/labels"]["status"] == "passed"

    skipped = checks["scrape/cadvisor/targets-up"]
    assert skipped["status"] == "skipped"
    assert skipped["details"]["not_judged"] == ["gpu-node-1:4194"]
    message = skipped["message"]
    assert "job 'cadvisor' scrapes gpu-node-1:4194, where nothing the harness runs listens" in message
    assert "test/fixtures/exporters.yaml" in message and "  cadvisor:\n    - series: " in message
    assert checks["scrape/cadvisor/labels"]["status"] == "passed"  # its relabeling is still judged
    assert "scrape/cadvisor/series" not in checks

    edit(prometheus_yml, f"  - job_name: {EXPORTER_JOB}\n",
         f"  - job_name: {EXPORTER_JOB}\n    metric_relabel_configs:\n"
         "      - {source_labels: [__name__], regex: DCGM_FI_DEV_XID_ERRORS, action: drop}\n")  # fmt: skip
    result, checks = run(repo, tmp_path / "dropped")
    assert result.returncode == 1, result.stdout + result.stderr
    dropped = checks[f"scrape/{EXPORTER_JOB}/series"]
    assert dropped["status"] == "failed"
    missing = dropped["message"].split("missing: ")[1].split(". Hint")[0]
    assert (
        missing == "DCGM_FI_DEV_XID_ERRORS from gpu-node-1:9400; DCGM_FI_DEV_XID_ERRORS from gpu-node-2:9400"
    )
    assert checks[f"scrape/{EXPORTER_JOB}/targets-up"]["status"] == "passed"

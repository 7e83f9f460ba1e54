"""An exporter the harness does not run (DCGM here), on a real stack: the rearranged copy of the
reference stack (tests/layouts.py) gains a `dcgm` job in static_configs at gpu-node-1:9400 and
gpu-node-2:9400 — beside the real node_exporters on those nodes' port 9100.

- described in exporters.yaml: a stand-in listens at each target, the scrape check sees both up
  and the families the rules and panels read arrive under job="dcgm" (`scrape/dcgm/series`);
- the job's metric_relabel_configs dropping one of those families fails `scrape/dcgm/series`
  (exit 1: the config is what is wrong);
- not described: its targets are not judged down (no config bug) — `scrape/dcgm/targets-up` is
  skipped with the message naming the job, its targets, the families and the fix; exit 0.
"""

import json

import pytest

from tests.cli import stackcheck
from tests.conftest import edit
from tests.layouts import EXPORTER_JOB, add_exporter_job, build_rearranged

pytestmark = pytest.mark.e2e


def run(repo, report):
    result = stackcheck("-C", str(repo), "run", "--backend", "process", "--only", "scrape,health",
                        "--report", str(report), timeout=240)  # fmt: skip
    checks = {c["id"]: c for c in json.loads((report / "results.json").read_text())["checks"]}
    return result, checks


def test_an_exporter_the_harness_does_not_run_is_served_from_fixtures(tmp_path):
    repo = add_exporter_job(build_rearranged(tmp_path / "repo"))
    result, checks = run(repo, tmp_path / "served")
    assert result.returncode == 0, result.stdout + result.stderr
    assert checks[f"scrape/{EXPORTER_JOB}/targets-up"]["status"] == "passed"
    assert checks[f"scrape/{EXPORTER_JOB}/targets-up"]["message"] == "2 targets up"
    assert checks[f"scrape/{EXPORTER_JOB}/labels"]["status"] == "passed"
    series = checks[f"scrape/{EXPORTER_JOB}/series"]
    assert series["status"] == "passed", series["message"]
    assert series["details"]["families"] == ["DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_XID_ERRORS"]
    assert checks["scrape/gpu-hosts/targets-up"]["status"] == "passed"  # node_exporters on the same hosts

    edit(repo / "monitoring/prometheus/prometheus.yml", "  - job_name: dcgm\n",
         "  - job_name: dcgm\n    metric_relabel_configs:\n"
         "      - {source_labels: [__name__], regex: DCGM_FI_DEV_XID_ERRORS, action: drop}\n")  # fmt: skip
    result, checks = run(repo, tmp_path / "dropped")
    assert result.returncode == 1, result.stdout + result.stderr
    dropped = checks[f"scrape/{EXPORTER_JOB}/series"]
    assert dropped["status"] == "failed"
    assert "DCGM_FI_DEV_XID_ERRORS from gpu-node-1:9400" in dropped["message"]
    assert "DCGM_FI_DEV_GPU_TEMP" not in dropped["message"].split("missing:")[1].split(". Hint")[0]

    (repo / "test/fixtures/exporters.yaml").unlink()
    result, checks = run(repo, tmp_path / "unserved")
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = checks[f"scrape/{EXPORTER_JOB}/targets-up"]
    assert skipped["status"] == "skipped"
    assert skipped["details"]["not_judged"] == ["gpu-node-1:9400", "gpu-node-2:9400"]
    message = skipped["message"]
    assert "job 'dcgm' scrapes gpu-node-1:9400, gpu-node-2:9400" in message
    assert "DCGM_FI_DEV_GPU_TEMP" in message and "exporters.yaml" in message and "  dcgm:\n" in message
    assert checks[f"scrape/{EXPORTER_JOB}/labels"]["status"] == "passed"  # relabeling still judged
    assert f"scrape/{EXPORTER_JOB}/series" not in checks

"""A copy of the reference stack laid out the way another repository might be: configs under
monitoring/, rule files named ``*.yml`` next to prometheus.yml, promtool tests, fixtures and
scenarios under test/, the node job renamed (rules, tests, scenarios, fixtures and dashboards
that name it follow) and listing its nodes in static_configs instead of a file_sd file.

Only the user's own files are rewritten, consistently, as that repository would have them; the
harness is then pointed at it by stack.yaml alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from tests.conftest import REPO

NODE_JOB = "gpu-hosts"

STACK_YAML_PATHS = """
paths:
  # rule files: prometheus.yml's own rule_files (monitoring/prometheus/alerts/*.yml)
  rule_tests: ../test/promtool/*.yml
  fixtures: ../test/fixtures
  scenarios: ../test/scenarios
"""


def _rename_job(text: str) -> str:
    # the node-detail dashboard's $job variable: its regex and saved value name the job
    text = text.replace('"regex": "/node.*/"', f'"regex": "/{NODE_JOB}.*/"')
    text = re.sub(
        r'"text": "node",(\s*)"value": "node"', rf'"text": "{NODE_JOB}",\1"value": "{NODE_JOB}"', text
    )
    text = re.sub(r'job(=~?|!~)(\\?")node(\b(?!-))', rf"job\1\2{NODE_JOB}\3", text)
    text = text.replace('job!~"node|dcgm"', f'job!~"{NODE_JOB}|dcgm"')
    return re.sub(r"(\bjob: )node\b(?!-)", rf"\g<1>{NODE_JOB}", text)


def _rewrite_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".yaml", ".json"):
            path.write_text(_rename_job(path.read_text(encoding="utf-8")), encoding="utf-8")


def build_rearranged(dest: Path) -> Path:
    monitoring = dest / "monitoring"
    shutil.copytree(REPO / "stack", monitoring, ignore=shutil.ignore_patterns("__pycache__", "stack.yaml"))
    alerts = monitoring / "prometheus" / "alerts"
    alerts.mkdir()
    for rules in sorted((REPO / "rules").glob("*.rules.yml")):
        shutil.copy(rules, alerts / rules.name.replace(".rules.yml", ".yml"))
    promtool = dest / "test" / "promtool"
    promtool.mkdir(parents=True)
    for test in sorted((REPO / "rules" / "tests").glob("*.yml")):
        text = re.sub(
            r"\.\./(\w+)\.rules\.yml", r"../../monitoring/prometheus/alerts/\1.yml", test.read_text()
        )
        (promtool / test.name).write_text(text)
    shutil.copytree(REPO / "fixtures", dest / "test" / "fixtures")
    shutil.move(dest / "test" / "fixtures" / "scenarios", dest / "test" / "scenarios")
    shutil.copy(REPO / ".stackcheck-waivers.yml", dest / ".stackcheck-waivers.yml")  # at the root, as -C DIR

    prometheus_yml = monitoring / "prometheus" / "prometheus.yml"
    config = prometheus_yml.read_text()
    config = config.replace("  - ../../rules/*.rules.yml", "  - alerts/*.yml")
    groups = yaml.safe_load((monitoring / "prometheus" / "file_sd" / "nodes.yml").read_text())
    static = "    static_configs:\n" + "".join(
        f"      - targets: {yaml.safe_dump(g['targets'], default_flow_style=True).strip()}\n"
        f"        labels: {yaml.safe_dump(g['labels'], default_flow_style=True).strip()}\n"
        for g in groups
    )
    config = re.sub(r"    file_sd_configs:\n      - files: \[file_sd/nodes.yml\]\n        refresh_interval: 5m\n",
                    static, config)  # fmt: skip
    assert "file_sd/nodes.yml" not in config and "static_configs" in config
    config = config.replace("  - job_name: node\n", f"  - job_name: {NODE_JOB}\n")
    prometheus_yml.write_text(config)
    (monitoring / "prometheus" / "file_sd" / "nodes.yml").unlink()
    targets = dest / "test" / "fixtures" / "targets.yaml"
    targets.write_text(targets.read_text().replace("\n  node:\n", f"\n  {NODE_JOB}:\n"))
    for folder in (monitoring, dest / "test"):
        _rewrite_tree(folder)

    stack = (REPO / "stack" / "stack.yaml").read_text()
    stack = re.sub(r"(\n    (config|web_config|provisioning|dashboards): )", r"\1../monitoring/", stack)
    stack = stack.replace(
        "    # one real node_exporter per target listed in this file_sd file\n    targets: prometheus/file_sd/nodes.yml\n",
        "",
    )
    (dest / "stack").mkdir()
    (dest / "stack" / "stack.yaml").write_text(stack + STACK_YAML_PATHS)
    return dest


EXPORTER_JOB = "dcgm"
EXPORTER_TARGETS = ("gpu-node-1:9400", "gpu-node-2:9400")
EXPORTER_FIXTURE = """\
# DCGM runs on every GPU node beside node_exporter; the harness does not run it: these series are
# what a stand-in serves at each target of the job.
jobs:
  dcgm:
    - series: DCGM_FI_DEV_GPU_TEMP{gpu="0", UUID="GPU-0000"}
      values: "60 61 62"
    - series: DCGM_FI_DEV_XID_ERRORS{gpu="0", UUID="GPU-0000"}
      values: 0
    - series: DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu="0", UUID="GPU-0000"}
      values: 0.5+0.01x
"""


def add_exporter_job(repo: Path, *, fixture: bool = True) -> Path:
    """A DCGM job (static_configs, on the GPU nodes' port 9400) in the rearranged copy's
    prometheus.yml, its expected targets in targets.yaml, and — with ``fixture`` — the exporter
    described in exporters.yaml."""
    prometheus_yml = repo / "monitoring" / "prometheus" / "prometheus.yml"
    targets = ", ".join(f'"{t}"' for t in EXPORTER_TARGETS)
    prometheus_yml.write_text(
        prometheus_yml.read_text()
        + f"""
  - job_name: {EXPORTER_JOB}
    scrape_interval: 30s
    static_configs:
      - targets: [{targets}]
    relabel_configs:
      - source_labels: [__address__]
        regex: "([^:]+)(?::\\\\d+)?"
        target_label: node
        replacement: "$1"
"""
    )
    fixtures = repo / "test" / "fixtures"
    expected = "".join(
        f'    - {{instance: "{t}", labels: {{job: {EXPORTER_JOB}, node: {t.split(":")[0]}}}}}\n'
        for t in EXPORTER_TARGETS
    )
    targets_yaml = fixtures / "targets.yaml"
    targets_yaml.write_text(
        targets_yaml.read_text().replace("\njobs:\n", f"\njobs:\n  {EXPORTER_JOB}:\n{expected}", 1)
    )
    if fixture:
        (fixtures / "exporters.yaml").write_text(EXPORTER_FIXTURE)
    return repo

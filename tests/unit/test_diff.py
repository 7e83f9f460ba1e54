"""`stackcheck diff`: one test per kind of change, on a scratch git repository of the reference stack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import edit
from tests.gitrepo import commit, git, scratch_repo
from validation.cli import main
from validation.diff import diff_refs, render_markdown

pytestmark = pytest.mark.unit

ALERTMANAGER = "stack/alertmanager/alertmanager.yml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return scratch_repo(tmp_path / "repo")


def change(repo: Path, path: str, old: str, new: str, count: int = 1) -> None:
    edit(repo / path, old, new, count)
    commit(repo, f"edit {path}")


def sections(repo: Path) -> dict[str, list[dict]]:
    data = diff_refs(repo, "HEAD~1", "HEAD").to_json()
    found: dict[str, list[dict]] = {}
    for item in data["changes"]:
        found.setdefault(item["section"], []).append(item)
    return found


def test_no_change_no_diff(repo: Path) -> None:
    commit(repo, "empty")
    result = diff_refs(repo, "HEAD~1", "HEAD")
    assert result.changes == [] and result.changed_files == [] and result.problems == []
    assert "No change" in render_markdown(result)


def test_alert_rule_expr_and_for_changed(repo: Path) -> None:
    change(
        repo,
        "rules/node.rules.yml",
        'expr: up{job="node"} == 0\n        for: 2m',
        'expr: up{job="node"} == 0\n        for: 5m',
    )
    (rule,) = sections(repo)["alert rules"]
    assert rule["action"] == "changed" and rule["subject"].startswith("NodeDown (rules/node.rules.yml")
    assert rule["fields"] == {"for": {"before": "2m", "after": "5m"}}


def test_alert_rule_labels_and_annotations_changed(repo: Path) -> None:
    text = (repo / "rules/gpu.rules.yml").read_text()
    block = text[text.index("- alert: GPUTemperatureHigh") :]
    severity = re.search(r"severity: (\w+)", block)
    assert severity
    new_block = block.replace(severity.group(0), "severity: critical", 1)
    (repo / "rules/gpu.rules.yml").write_text(text.replace(block, new_block))
    commit(repo, "severity")
    (rule,) = sections(repo)["alert rules"]
    assert rule["details"]["name"] == "GPUTemperatureHigh"
    assert rule["fields"]["labels"]["before"]["severity"] == severity.group(1)
    assert rule["fields"]["labels"]["after"]["severity"] == "critical"


def test_alert_rule_added_and_removed(repo: Path) -> None:
    path = repo / "rules/node.rules.yml"
    text = path.read_text()
    start = text.index("      - alert: NodeDown")
    end = text.index("      - alert:", start + 1)
    path.write_text(text[:start] + text[end:] + text[start:end].replace("NodeDown", "NodeGone"))
    commit(repo, "rename")
    found = {(c["action"], c["details"]["name"]) for c in sections(repo)["alert rules"]}
    assert found == {("removed", "NodeDown"), ("added", "NodeGone")}


def test_two_rules_of_one_name_are_told_apart(repo: Path) -> None:
    path = repo / "rules/node.rules.yml"
    text = path.read_text()
    start = text.index("      - alert: NodeDown")
    end = text.index("      - alert:", start + 1)
    twin = text[start:end].replace("for: 2m", "for: 30m")
    path.write_text(text[:end] + twin + text[end:])
    commit(repo, "a second NodeDown")
    (rule,) = sections(repo)["alert rules"]
    assert rule["action"] == "added" and rule["subject"].startswith("NodeDown #2")
    assert rule["fields"]["for"] == {"before": None, "after": "30m"}


def test_recording_rule_changed(repo: Path) -> None:
    path = "rules/recording.rules.yml"
    text = (repo / path).read_text()
    start = text.index("- record: node:node_cpu_utilisation:ratio_rate5m")
    window = next(line for line in text[start:].splitlines() if "[5m]" in line)
    change(repo, path, window, window.replace("[5m]", "[10m]"))
    (rule,) = sections(repo)["recording rules"]
    assert rule["details"]["name"] == "node:node_cpu_utilisation:ratio_rate5m"
    assert "10m" in str(rule["fields"]["expr"]["after"])


def test_route_matcher_typo_shows_the_receivers_that_changed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change(repo, ALERTMANAGER, 'matchers: [team="ml-platform"]', 'matchers: [team="ml-platfrom"]')
    assert main(["-C", str(repo), "diff", "HEAD~1"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if 'severity="critical", team="ml-platform"}' in line)
    assert "webhook-archive, ml-oncall-critical` | `webhook-archive, oncall-critical`" in row
    # the typo's own value routes the other way round: the label set generated from the new matcher
    assert (
        'team="ml-platfrom"}` | `webhook-archive, oncall-critical` | `webhook-archive, ml-oncall-critical`'
        in out
    )
    routing = sections(repo)["routing"]
    assert all(c["fields"]["receivers"]["before"] != c["fields"]["receivers"]["after"] for c in routing)
    assert not {"alert rules", "receivers", "panels"} & set(sections(repo))


def test_route_timing_change_is_reported_without_receiver_change(repo: Path) -> None:
    change(repo, ALERTMANAGER, "repeat_interval: 1h", "repeat_interval: 2h")
    routing = sections(repo)["routing"]
    assert routing and all(set(c["fields"]) == {"timing"} for c in routing)
    assert "repeat 3600s" in str(routing[0]["fields"]["timing"]["before"])


def test_inhibit_rule_removed(repo: Path) -> None:
    change(
        repo,
        ALERTMANAGER,
        '  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]\n    equal: [alertname, instance]\n',
        "",
    )
    (rule,) = sections(repo)["inhibition"]
    assert rule["action"] == "removed"
    assert (
        rule["subject"] == '{severity="critical"} mutes {severity="warning"} when equal [alertname, instance]'
    )


def test_receiver_url_changed(repo: Path) -> None:
    change(
        repo, ALERTMANAGER, "url: http://alert-archive:8080/alerts", "url: http://alert-archive:8081/alerts"
    )
    (receiver,) = sections(repo)["receivers"]
    assert receiver["subject"] == "webhook-archive"
    assert receiver["fields"] == {
        "webhook_configs": {
            "before": ["url=http://alert-archive:8080/alerts"],
            "after": ["url=http://alert-archive:8081/alerts"],
        }
    }


def test_receiver_recipient_changed_and_template_edited(repo: Path) -> None:
    edit(repo / ALERTMANAGER, "to: ml-oncall@cluster.example", "to: ml-pager@cluster.example")
    (repo / "stack/alertmanager/templates/notifications.tmpl").write_text(
        (repo / "stack/alertmanager/templates/notifications.tmpl").read_text()
        + '\n{{ define "x" }}x{{ end }}\n'
    )
    commit(repo, "recipient + template")
    found = sections(repo)
    (receiver,) = found["receivers"]
    assert receiver["fields"]["email_configs"]["after"] == ["to=ml-pager@cluster.example"]
    assert [t["subject"] for t in found["templates"]] == ["stack/alertmanager/templates/notifications.tmpl"]


def test_panel_query_changed_and_panel_removed(repo: Path) -> None:
    path = repo / "stack/grafana/dashboards/Nodes/node-detail.json"
    data = json.loads(path.read_text())
    panels = [p for p in data["panels"] if p.get("targets")]
    panels[0]["targets"][0]["expr"] = "up"
    removed = panels[1]
    data["panels"].remove(removed)
    path.write_text(json.dumps(data, indent=2))
    commit(repo, "dashboard")
    found = {(c["action"], c["details"]["panel"]): c for c in sections(repo)["panels"]}
    changed = found[("changed", f"id {panels[0]['id']}")]
    assert changed["fields"]["queries"]["after"][0] == "up"
    assert ("removed", f"id {removed['id']}") in found
    assert len(found) == 2


def test_scrape_job_changed(repo: Path) -> None:
    text = (repo / "stack/prometheus/prometheus.yml").read_text()
    interval = re.search(r"job_name: pushgateway\n(?:.*\n)*?\s+scrape_interval: (\S+)", text)
    if interval is None:
        change(
            repo,
            "stack/prometheus/prometheus.yml",
            "  - job_name: pushgateway\n",
            "  - job_name: pushgateway\n    scrape_interval: 7s\n",
        )
    else:
        change(
            repo,
            "stack/prometheus/prometheus.yml",
            interval.group(0),
            interval.group(0).replace(interval.group(1), "7s"),
        )
    (job,) = sections(repo)["scrape jobs"]
    assert job["subject"] == "pushgateway" and job["fields"]["scrape_interval"]["after"] == "7s"


def test_json_output_file_and_work_tree_head(repo: Path, tmp_path: Path) -> None:
    edit(repo / ALERTMANAGER, "repeat_interval: 1h", "repeat_interval: 3h")  # not committed
    out = tmp_path / "out" / "diff.json"
    assert main(["-C", str(repo), "diff", "HEAD", "--format", "json", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["base"] == "HEAD" and data["head"] == "work tree"
    assert data["changed_files"] == [ALERTMANAGER] and data["summary"]["routing"] >= 1
    assert git(repo, "status", "--porcelain").strip() == f"M {ALERTMANAGER}"  # the work tree as it was


def test_a_broken_side_is_reported_not_raised(repo: Path) -> None:
    change(repo, ALERTMANAGER, "route:", "route: [")
    result = diff_refs(repo, "HEAD~1", "HEAD")
    assert any(p.startswith("HEAD: ") and "alertmanager.yml" in p for p in result.problems)
    assert "⚠️" in render_markdown(result)


def test_unknown_ref_exits_2_with_a_hint(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(repo), "diff", "no-such-branch"]) == 2
    err = capsys.readouterr().err
    assert "unknown git ref 'no-such-branch'" in err and "Hint:" in err


def test_not_a_git_repository_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").mkdir()
    assert main(["-C", str(tmp_path / "plain"), "diff", "HEAD~1"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err

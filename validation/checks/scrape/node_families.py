"""scrape/<node job>/families — every node exports each node_* metric family the rules use.

Catches: a rule (or the dashboard sharing its recording rule) that watches a metric the
node_exporter in use does not export — a disabled collector, a renamed metric after an
upgrade — which would make the alert silently never fire.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext
from validation.core.promql_names import selected_metrics
from validation.core.results import Report
from validation.core.yamlload import load_yaml


def node_families_used(rule_files: list) -> set[str]:
    names: set[str] = set()
    for path in rule_files:
        data = load_yaml(path) or {}
        for group in data.get("groups") or []:
            for rule in group.get("rules") or []:
                names |= {n for n in selected_metrics(str(rule.get("expr", ""))) if n.startswith("node_")}
    return names


class NodeFamiliesCheck(Check):
    id = "scrape/node/families"
    kind = "scrape"

    def run(self, ctx: CheckContext, report: Report) -> None:
        stack = ctx.require_stack()
        config = ctx.project.components.get("node_exporter")
        if config is None or not config.job:
            report.skipped(
                self.id, self.kind, config.unresolved if config else "no node_exporter in stack.yaml"
            )
            return
        job = config.job  # the user's job name, read from prometheus.yml
        check_id = f"scrape/{job}/families"
        timing = report.timed(check_id, self.kind)
        families = sorted(node_families_used(ctx.project.rule_files()))
        if not families:
            report.skipped(check_id, self.kind, "the rules use no node_* metric")
            return
        nodes = [i.host for i in stack.instances("node_exporter")]
        prom = stack.prometheus()
        pattern = "|".join(families)
        rows = prom.query(f'count by (__name__, instance) ({{__name__=~"{pattern}", job="{job}"}})')
        present: dict[str, set[str]] = {}
        for sample in rows:
            host = sample.labels.get("instance", "").rsplit(":", 1)[0]
            present.setdefault(sample.labels.get("__name__", ""), set()).add(host)
        missing = {f: sorted(set(nodes) - present.get(f, set())) for f in families}
        missing = {f: hosts for f, hosts in missing.items() if hosts}
        if missing:
            lines = [f"{f} (missing on {', '.join(h)})" for f, h in sorted(missing.items())]
            timing.failed(
                f"exp: {len(families)} node_* families on each of {len(nodes)} nodes, "
                f"got {len(missing)} missing: "
                + "; ".join(lines)
                + ". Hint: enable the collector or fix the metric name in the rule"
            )
        else:
            timing.passed(f"{len(families)} families on {len(nodes)} nodes", families=families)

"""Write the verified pairs: one scenario file and one promtool unit-test file per rule file.

``<scenarios>/generated-<rule file stem>.yaml`` holds, per rule whose alert carries ``instance``
or ``node`` (a run tells a scenario's alerts by them), a firing scenario (the alert
fires within ``fires_within`` and reaches the receivers the routing tree picks today) and a
silent one (just short of the threshold: the alert never fires, nobody is notified), under the
top-level ``generated: true``. ``<rule tests>/generated-<stem>.test.yml`` holds the same series
as promtool unit tests, with the exact alerts promtool showed. Both start with the marker line
of ``stackcheck init``, written by ``validation.init.marker`` (a later init rewrites them only while
that line and its hash are intact).
Unverified pairs are never written.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from validation.generate.generator import GenerationReport, Pair
from validation.generate.verify import duration
from validation.init.marker import marked  # the one writer of init's generated-file marker

# annotation / label templates whose text differs between promtool and a live run
_VOLATILE = re.compile(r"\$value|\.Value|query|externalURL|\$externalLabels|humanize|printf")
IDENTITY = ("instance", "node")


def kebab(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "alert"


def scenario_names(report: GenerationReport) -> dict[int, str]:
    """A unique base name per verified pair (id(pair) → name)."""
    pairs = report.verified
    counts = Counter(p.rule.name for p in pairs)
    names: dict[int, str] = {}
    for pair in pairs:
        base = f"generated-{kebab(pair.rule.name)}"
        if counts[pair.rule.name] > 1:
            base += f"-{kebab(pair.rule.group)}-{pair.rule.index}"
        names[id(pair)] = base
    return names


def scenarios_for(pair: Pair, base: str) -> list[dict[str, Any]]:
    """The firing and the silent scenario of a pair; none when the alert carries neither
    ``instance`` nor ``node`` (``Pair.live``): a run attributes alerts to a scenario by those."""
    assert pair.timing is not None and pair.fired
    if not pair.live:
        return []
    name = pair.rule.name
    labels = {k: v for k, v in pair.fired[0].labels.items() if k != "alertname"}
    labels = {k: v for k, v in labels.items() if not _VOLATILE.search(pair.templates.get(("label", k), ""))}
    annotations = {
        k: v
        for k, v in pair.fired[0].annotations.items()
        if not _VOLATILE.search(pair.templates.get(("annotation", k), "{{ $value }}"))
    }
    identity = {k: labels[k] for k in IDENTITY if k in labels}
    review = (
        "Generated from the rule itself by stackcheck init: review it (it cannot catch a wrong threshold)."
    )
    alert: dict[str, Any] = {"alertname": name, "exp_labels": labels}
    if annotations:
        alert["exp_annotations"] = annotations
    alert["fires_within"] = duration(pair.timing.fires_within)
    firing: dict[str, Any] = {
        "name": f"{base}-fires",
        "why": f"{pair.rule.describe()} fires when {pair.condition} holds"
        + (f" and reaches {', '.join(pair.receivers)}." if pair.receivers else ".")
        + f" {review}",
        "interval": duration(pair.timing.interval),
    }
    if pair.firing:
        firing["input_series"] = pair.firing
    firing["exp_alerts"] = [alert]
    contains = [name, *identity.values()][:2]
    if pair.receivers and not pair.inhibited_by:
        firing["exp_notifications"] = [
            {"receiver": r, "alertname": name, "contains": contains} for r in pair.receivers
        ]
    silent: dict[str, Any] = {
        "name": f"{base}-silent",
        "why": f"{pair.rule.describe()} stays silent just short of the threshold "
        f"({pair.condition} does not hold). {review}",
        "interval": duration(pair.timing.interval),
    }
    if pair.silent:
        silent["input_series"] = pair.silent
    silent["exp_alerts"] = [{"alertname": name, "exp_labels": identity, "absent": True}]
    if pair.receivers:
        silent["exp_notifications"] = [
            {"receiver": r, "alertname": name, "contains": contains, "absent": True} for r in pair.receivers
        ]
    return [firing, silent]


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors and aliases for repeated lists (a reader edits each place)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def scenario_file_text(pairs: list[tuple[Pair, str]], source: str) -> str:
    scenarios = [s for pair, base in pairs for s in scenarios_for(pair, base)]
    head = (
        f"# Scenarios generated from {source} by stackcheck init. Each pair: series that fire the rule\n"
        "# and series just short of its threshold, both verified with promtool before writing.\n"
    )
    return head + _dump({"generated": True, "scenarios": scenarios})


def unit_test_text(report: GenerationReport, pairs: list[Pair], folder: Path) -> str:
    rule_files = [os.path.relpath(p, folder) for p in report.rule_files]
    data = {
        "rule_files": rule_files,
        "evaluation_interval": duration(report.evaluation_interval),
        "tests": [group for pair in pairs for group in pair.unit_tests],
    }
    return (
        "# promtool unit tests generated by stackcheck init (firing + just short of the threshold)\n"
        + _dump(data)
    )


def write_generated(
    report: GenerationReport, scenarios_dir: Path, rule_tests_dir: Path, overwrite: Callable[[Path], bool]
) -> list[Path]:
    names = scenario_names(report)
    by_file: dict[str, list[Pair]] = {}
    for pair in report.verified:
        by_file.setdefault(pair.rule.file, []).append(pair)
    live = {source: [p for p in pairs if p.live] for source, pairs in by_file.items()}
    stems = Counter(Path(f).stem.removesuffix(".rules") for f in by_file)
    written: list[Path] = []
    for source, pairs in by_file.items():
        stem = Path(source).stem.removesuffix(".rules")
        if stems[stem] > 1:
            stem = kebab(str(Path(source).with_suffix("")))
        scenario_path = scenarios_dir / f"generated-{stem}.yaml"
        test_path = rule_tests_dir / f"generated-{stem}.test.yml"
        texts = {test_path: unit_test_text(report, pairs, rule_tests_dir.resolve())}
        if live[source]:
            texts[scenario_path] = scenario_file_text([(p, names[id(p)]) for p in live[source]], source)
        for path, body in texts.items():
            if path.exists() and not overwrite(path):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(marked(body), encoding="utf-8")
            written.append(path)
    return written

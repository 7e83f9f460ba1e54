"""Measure the scenario generator over public rule collections (numbers for the issue's closing note).

    python scripts/generate_corpus.py DIR_OR_FILE … [--promtool promtool] [--json OUT]

Every YAML file found holding rule ``groups:`` (a Prometheus rule file, or a PrometheusRule
resource's ``spec.groups``) is copied, groups only, into a temporary rule file and run through
``validation.generate.generate_for_rules`` on its own. Prints the share of alerting rules with a
verified firing + silent pair, and the shapes not handled with their counts. Nothing is written
into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from validation.generate import generate_for_rules


def rule_groups(path: Path) -> list[dict[str, Any]]:
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError):
        return []
    groups: list[dict[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        found = doc.get("groups")
        if found is None and isinstance(doc.get("spec"), dict):
            found = doc["spec"].get("groups")
        if isinstance(found, list):
            groups += [g for g in found if isinstance(g, dict) and isinstance(g.get("rules"), list)]
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--evaluation-interval", type=float, default=60.0)
    args = parser.parse_args(argv)
    files = [p for root in args.paths for p in ([root] if root.is_file() else sorted(root.rglob("*.y*ml")))]
    total = verified = 0
    shapes: Counter[str] = Counter()
    per_file: list[dict[str, Any]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stackcheck-corpus-") as tmp:
        for n, path in enumerate(files):
            groups = rule_groups(path)
            if not any("alert" in r for g in groups for r in g["rules"]):
                continue
            rule_file = Path(tmp) / f"corpus-{n}.rules.yml"
            rule_file.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")
            report = generate_for_rules(
                [rule_file], args.promtool, evaluation_interval=args.evaluation_interval
            )
            total += report.total
            verified += len(report.verified)
            shapes.update(report.shapes_not_handled())
            per_file.append(
                {
                    "file": str(path),
                    "alerts": report.total,
                    "verified": len(report.verified),
                    "not_handled": [f"{u.rule.name}: {u.reason}" for u in report.unhandled]
                    + [f"{p.rule.name}: {p.problem}" for p in report.pairs if not p.verified],
                }
            )
            print(f"{path}: {len(report.verified)}/{report.total}", file=sys.stderr, flush=True)
    share = 100 * verified / total if total else 0.0
    print(f"alerting rules: {total}; verified firing + silent pairs: {verified} ({share:.1f} %)")
    print(f"wall: {time.monotonic() - started:.0f}s")
    for reason, count in shapes.most_common():
        print(f"  {count:4d}  {reason}")
    if args.json:
        args.json.write_text(
            json.dumps({"total": total, "verified": verified, "shapes": shapes, "files": per_file}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

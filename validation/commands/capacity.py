"""Run the cardinality sweep and (re)generate docs/monitoring/capacity-planning.md.

    stackcheck [-C DIR] capacity [--sizes 1000,10000,100000] [--interval 2]
                                 [--report DIR] [--doc docs/monitoring/capacity-planning.md]
                                 [--from-json DIR/perf/sweep.json]

``--from-json`` re-renders the page from a stored sweep without starting anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from validation.commands.base import Command, add_report_option, add_time_scale_option, load_project
from validation.core.durations import parse_duration_seconds
from validation.core.extras import missing_extra
from validation.core.project import Project
from validation.core.yamlload import load_yaml
from validation.perf.baseline import environment
from validation.perf.capacity import CapacityInputs, parse_size, render_page

SWEEP_TIME_SCALE = 15.0
"""Below the default on purpose: the sweep measures a Prometheus under a large load job, and at
K=60 the stack's own 15 s scrapes and rule evaluations would run every 250 ms, background work the
memory and CPU figures would count; at 15 they run every second."""


def inputs_from_project(
    project: Project, fit: dict[str, float], bytes_per_sample: float = 1.5
) -> CapacityInputs:
    prom = project.components["prometheus"]
    glob = ((load_yaml(prom.config) or {}).get("global") or {}) if prom.config else {}
    flags = prom.flags
    return CapacityInputs(
        rss_bytes_per_series=fit["rss_bytes_per_series"],
        rss_base_bytes=fit["rss_base_bytes"],
        scrape_interval_s=parse_duration_seconds(str(glob.get("scrape_interval", "1m"))),
        bytes_per_sample_disk=bytes_per_sample,
        retention_days=parse_duration_seconds(str(flags.get("storage.tsdb.retention.time", "15d"))) / 86_400,
        retention_bytes=parse_size(str(flags.get("storage.tsdb.retention.size", "0"))),
    )


def sweep_and_write(
    project: Project, sizes: Sequence[int], interval_s: float, time_scale: float, report_dir: Path, doc: Path
) -> dict[str, Any]:
    from validation.perf.sweep import run_sweep
    from validation.stack.stack import Stack, StackOptions

    with Stack(project, StackOptions(time_scale=time_scale)) as stack:
        result = run_sweep(
            stack, sizes, interval_s=interval_s, log=lambda m: print(m, file=sys.stderr, flush=True)
        )
        env = environment(stack.backend.name, time_scale, stack.versions)
    data = {"environment": env, "sweep": result.to_json()}
    perf = report_dir / "perf"
    perf.mkdir(parents=True, exist_ok=True)
    (perf / "sweep.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    write_doc(project, data, doc)
    try:
        from validation.perf.plots import plot_sweep

        plot_sweep(data["sweep"]["points"], perf / "sweep.png", data["sweep"].get("fit"))
    except ImportError as exc:  # matplotlib is optional: the figures are in the JSON and the page
        print(f"stackcheck: warning: no sweep plot: {missing_extra(exc, 'previews')}", file=sys.stderr)
    return data


def write_doc(project: Project, data: dict[str, Any], doc: Path) -> None:
    inputs = inputs_from_project(project, data["sweep"]["fit"])
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render_page(inputs, data["sweep"], data["environment"]), encoding="utf-8")


class CapacityCommand(Command):
    name = "capacity"
    help = "cardinality sweep: measure memory and disk per series, write docs/monitoring/capacity-planning.md"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--sizes", default="1000,10000,100000", help="series counts to sweep")
        parser.add_argument("--interval", type=float, default=2.0, help="load scrape interval, seconds")
        add_time_scale_option(parser, default=SWEEP_TIME_SCALE)
        add_report_option(parser)
        parser.add_argument("--doc", type=Path, default=Path("docs/monitoring/capacity-planning.md"))
        parser.add_argument("--from-json", type=Path, default=None, help="re-render the page from a sweep")

    def run(self, args: argparse.Namespace) -> int:
        project = load_project()
        doc = args.doc if args.doc.is_absolute() else project.root / args.doc
        if args.from_json:
            write_doc(project, json.loads(args.from_json.read_text(encoding="utf-8")), doc)
        else:
            sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
            sweep_and_write(project, sizes, args.interval, args.time_scale, args.report, doc)
        print(f"wrote {doc}")
        return 0

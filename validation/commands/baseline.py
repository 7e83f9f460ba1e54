"""``stackcheck baseline record|compare``: the library behind the CLI sub-command.

``record`` measures the stack and writes ``baselines/<name>.json``; ``compare`` measures again
and judges every metric against that file (compare.py). Both write the figures, the verdicts
and PNG plots into ``<report_dir>/perf/``. Exit 0: recorded / no regression; 1: a regression
(each named on stderr); 2: the harness could not measure (or the baseline is missing or was
measured under other conditions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from validation.commands.base import (
    Command,
    add_backend_option,
    add_report_option,
    add_time_scale_option,
    load_project,
)
from validation.core.errors import EXIT_FAILED, EXIT_OK, HarnessError, StackcheckError
from validation.core.extras import missing_extra
from validation.core.project import Project
from validation.perf.baseline import Baseline, check_comparable, environment, load_baseline, save_baseline
from validation.perf.compare import Verdict, compare_figures, regressions
from validation.perf.measure import (
    MeasureOptions,
    attach_load,
    measure_alert_latency,
    measure_running,
    measure_start,
)
from validation.perf.metrics import Figures
from validation.stack.stack import Stack, StackOptions


@dataclass
class Measurement:
    figures: Figures
    environment: dict[str, Any]
    options: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def measure(
    project: Project, backend: str, time_scale: float, options: MeasureOptions, *, stack: Stack | None = None
) -> Measurement:
    """Start a stack (or use ``stack``, not started yet), measure it, stop it."""
    started = time.monotonic()
    stack = stack or Stack(project, StackOptions(backend=backend, time_scale=time_scale))
    details: dict[str, Any] = {}
    with stack:
        figures = measure_start(stack)
        load = attach_load(stack, options.load_series, options.load_interval_s)
        try:
            notes: list[str] = []
            figures.merge(measure_running(stack, load, options, notes=notes))
            if notes:
                details["notes"] = notes
            details["load_render_s"] = round(load.last_render_s, 6)
            if (
                options.alerts
                and "alertmanager" in stack.options.components
                and project.scenarios_dir.is_dir()
            ):
                alert_figures, details["alert_latency"] = measure_alert_latency(stack, project)
                figures.merge(alert_figures)
        finally:
            load.stop()
        env = environment(stack.backend.name, time_scale, stack.versions)
    return Measurement(figures, env, options.comparable(), details, round(time.monotonic() - started, 3))


def baseline_command(
    project: Project,
    action: Literal["record", "compare"],
    name: str,
    backend: str,
    time_scale: float,
    report_dir: Path,
    baselines_dir: Path,
    samples: int,
    *,
    options: MeasureOptions | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    plots: bool = True,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if samples < 1:
            raise HarnessError(f"--samples {samples} is below 1", hint="use 5 (the default) or more")
        options = options or MeasureOptions(samples=samples)
        options.samples = samples
        from validation.runner.runner import resolve_backend

        resolved = resolve_backend(backend, project)
        if action == "compare":
            # fail before measuring when the baseline is missing or measured under other conditions
            stored = load_baseline(baselines_dir, name)
            check_comparable(stored, {**stored.environment, "backend": resolved, "time_scale": time_scale},
                             options.comparable(), place=name)  # fmt: skip
        measured = measure(project, resolved, time_scale, options)
        perf_dir = report_dir / "perf"
        perf_dir.mkdir(parents=True, exist_ok=True)
        baseline = Baseline(name, measured.environment, measured.options, measured.figures, measured.details)
        _write_json(perf_dir / "figures.json", baseline.to_json())
        if action == "record":
            path = save_baseline(baselines_dir, baseline)
            print(format_figures(measured.figures), file=out)
            print(f"recorded {len(measured.figures)} metrics in {measured.seconds:.0f} s → {path}", file=out)
            if plots:
                _plots(perf_dir, measured.figures, baselines_dir, err)
            return EXIT_OK
        warnings = check_comparable(stored, measured.environment, measured.options, place=name)
        verdicts = compare_figures(stored.figures, measured.figures)
        _write_json(
            perf_dir / "compare.json",
            {"baseline": name, "warnings": warnings, "verdicts": [asdict(v) for v in verdicts]},
        )
        if plots:
            _plots(perf_dir, measured.figures, baselines_dir, err, verdicts=verdicts)
        for warning in warnings:
            print(f"stackcheck: warning: {warning}", file=err)
        print(format_verdicts(verdicts), file=out)
        bad = regressions(verdicts)
        for verdict in bad:
            print(f"stackcheck: regression: {verdict.message}", file=err)
        print(f"{len(bad)} regression(s) in {len(verdicts)} metrics against baseline {name!r}", file=out)
        return EXIT_FAILED if bad else EXIT_OK
    except StackcheckError as exc:
        print(f"stackcheck: {exc.render()}", file=err)
        return exc.exit_code


def format_figures(figures: Figures) -> str:
    from validation.perf.compare import _fmt

    width = max((len(n) for n in figures), default=10)
    return "\n".join(
        f"{name:<{width}}  {_fmt(m.median, m.unit):>14}  (n={len(m.samples)})"
        for name, m in sorted(figures.items())
    )


def format_verdicts(verdicts: list[Verdict]) -> str:
    width = max((len(v.name) for v in verdicts), default=10)
    lines = []
    for v in sorted(verdicts, key=lambda v: v.name):
        ratio = f"x{v.ratio:.2f}" if v.ratio is not None else "-"
        lines.append(f"{v.status:<10} {v.name:<{width}}  {ratio}")
    return "\n".join(lines)


def _plots(
    perf_dir: Path, figures: Figures, baselines_dir: Path, err: TextIO, verdicts: list[Verdict] | None = None
) -> None:
    try:
        from validation.perf import plots
    except ImportError as exc:  # matplotlib is optional: the figures are in the JSON
        print(f"stackcheck: warning: no plots: {missing_extra(exc, 'previews')}", file=err)
        return
    plots.plot_figures(figures, perf_dir / "figures.png", verdicts=verdicts)
    plots.plot_trend(baselines_dir, perf_dir / "trend.png", current=figures.medians() if verdicts else None)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")


class BaselineCommand(Command):
    name = "baseline"
    help = "record or compare performance baselines"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("action", choices=("record", "compare"))
        parser.add_argument(
            "--name", default="", help="baseline name, e.g. the machine class (default: derived)"
        )
        add_backend_option(parser)
        add_time_scale_option(parser)
        parser.add_argument("--samples", type=int, default=5, help="repeated samples per metric (medians)")
        parser.add_argument("--baselines", type=Path, default=Path("baselines"), help="where NAME.json lives")
        add_report_option(parser, "report directory (plots)")
        parser.add_argument(
            "--no-alerts",
            action="store_true",
            help="skip the alert-latency figures (they run every scenario: minutes)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from validation.perf.baseline import default_baseline_name

        options = MeasureOptions(samples=args.samples, alerts=not args.no_alerts)
        return baseline_command(
            load_project(),
            args.action,
            args.name or default_baseline_name(args.backend),
            args.backend,
            args.time_scale,
            args.report,
            args.baselines,
            args.samples,
            options=options,
        )

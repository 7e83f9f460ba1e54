"""`stackcheck` — the command line (design.md, "CLI and results contract").

Exit codes: 0 all selected checks passed; 1 a check failed (a broken config under test is a
failed check); 2 the harness cannot proceed (usage, scenario, binary, folder).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from validation.errors import EXIT_FAILED, EXIT_HARNESS, EXIT_OK, StackcheckError
from validation.results import Report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackcheck",
        description="Validate a Prometheus / Alertmanager / Pushgateway / node_exporter / Grafana stack: "
        "static gate, then the real components with synthetic metrics.",
    )
    parser.add_argument(
        "-C",
        dest="directory",
        type=Path,
        default=Path("."),
        help="run as if started in DIR (the repository with stack/, rules/, fixtures/)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    provision = sub.add_parser("provision", help="install/locate the binaries, build local images if offline")
    provision.add_argument(
        "--docker",
        action="store_true",
        help="also make a Docker engine answer (install docker.io, start dockerd) and build images",
    )
    provision.add_argument(
        "--pull",
        action="store_true",
        help="try pulling the pinned images first (off by default: the only traffic that would "
        "leave the machine; local images are built from the provisioned binaries instead)",
    )

    check = sub.add_parser("check", help="static gate: promtool/amtool checks, promtool unit tests, lints")
    check.add_argument(
        "--report", type=Path, default=Path("reports"), help="report directory (default reports/)"
    )

    run = sub.add_parser("run", help="start the real stack and run the checks against it")
    run.add_argument("--backend", choices=("auto", "process", "containers"), default="process")
    run.add_argument(
        "--time-scale",
        type=float,
        default=60.0,
        metavar="K",
        help="run K times faster than production (default 60: 15s scrapes every 250ms; 1 = real time)",
    )
    run.add_argument(
        "--only",
        default="",
        metavar="GROUPS",
        help="comma-separated subset of: static, health, scrape, alerts, notifications, dashboards (default: all)",
    )
    run.add_argument(
        "--report", type=Path, default=Path("reports"), help="report directory (default reports/)"
    )
    run.add_argument(
        "--scenarios",
        default="",
        metavar="PATTERN",
        help="only the scenarios whose name matches (shell pattern); disables the coverage gate",
    )
    run.add_argument("--keep", action="store_true", help="keep the run directory (rendered configs, logs)")

    dashboards = sub.add_parser(
        "dashboards", help="check dashboard JSON files (any, e.g. third-party) against a running Prometheus"
    )
    dashboards.add_argument("files", nargs="+", type=Path)
    dashboards.add_argument(
        "--prometheus-url",
        default=None,
        help="an existing Prometheus (loopback); default: start this repository's stack",
    )
    dashboards.add_argument("--user", default=None, help="basic auth user for --prometheus-url")
    dashboards.add_argument("--password-file", type=Path, default=None, help="basic auth password file")
    dashboards.add_argument(
        "--report", type=Path, default=Path("reports"), help="report directory (default reports/)"
    )

    baseline = sub.add_parser("baseline", help="record or compare performance baselines")
    baseline.add_argument("action", choices=("record", "compare"))
    baseline.add_argument(
        "--name", default="", help="baseline name, e.g. the machine class (default: derived)"
    )
    baseline.add_argument("--backend", choices=("auto", "process", "containers"), default="process")
    baseline.add_argument("--time-scale", type=float, default=60.0, metavar="K")
    baseline.add_argument("--samples", type=int, default=5, help="repeated samples per metric (medians)")
    baseline.add_argument("--baselines", type=Path, default=Path("baselines"), help="where NAME.json lives")
    baseline.add_argument("--report", type=Path, default=Path("reports"), help="report directory (plots)")
    baseline.add_argument(
        "--no-alerts",
        action="store_true",
        help="skip the alert-latency figures (they run every scenario: minutes)",
    )

    routes = sub.add_parser("routes", help="check a file of routing cases (labels → expected receivers)")
    routes.add_argument("cases", type=Path)
    routes.add_argument("--config", type=Path, default=None, help="alertmanager.yml (default: the stack's)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except StackcheckError as exc:
        print(f"stackcheck: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug in stackcheck itself: say so, keep the traceback, never hide it
        import tempfile
        import traceback

        path = Path(tempfile.gettempdir()) / "stackcheck-internal-error.txt"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        print(
            f"stackcheck: internal error (a bug in stackcheck, not in your stack): {exc.__class__.__name__}: "
            f"{exc}. Hint: the traceback is in {path}; please report it",
            file=sys.stderr,
        )
        return EXIT_HARNESS
    except KeyboardInterrupt:
        print("stackcheck: interrupted; every process and container it started was stopped", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from validation.project import Project

    if args.command == "provision":
        from validation.provision import provision

        if args.docker:
            from validation.engine import ensure_engine

            ensure_engine()
        return provision(pull=args.pull)
    if args.command == "dashboards":
        args.files = [f.resolve() for f in args.files]
        args.report = args.report.resolve()
    root = args.directory
    if not root.is_dir():
        from validation.errors import HarnessError

        raise HarnessError("no such directory", place=str(root), hint="pass an existing repository to -C")
    os.chdir(root)
    project = Project.load(Path("."))
    if args.command == "check":
        from validation.runner import check

        return _finish(check(project, args.report), args.report)
    if args.command == "run":
        from validation.runner import ALL_GROUPS, RunOptions, run

        only = tuple(g.strip() for g in args.only.split(",") if g.strip()) or ALL_GROUPS
        if args.time_scale < 1:
            from validation.errors import HarnessError

            raise HarnessError(
                f"--time-scale {args.time_scale:g} is below 1", hint="use 1 (real time) or more"
            )
        report = run(
            project,
            RunOptions(
                backend=args.backend,
                time_scale=args.time_scale,
                only=only,
                report_dir=args.report,
                keep_run_dir=args.keep,
                scenarios=args.scenarios,
            ),
        )
        return _finish(report, args.report)
    if args.command == "dashboards":
        from validation.dashboards.command import dashboards_command

        auth = None
        if args.user:
            if args.password_file is None:
                from validation.errors import HarnessError

                raise HarnessError(
                    "--user needs --password-file", hint="put the password in a file, mode 600"
                )
            auth = (args.user, args.password_file.read_text(encoding="utf-8").strip())
        return dashboards_command(args.files, project, args.report, args.prometheus_url, auth)
    if args.command == "baseline":
        from validation.perf.baseline import default_baseline_name
        from validation.perf.command import baseline_command
        from validation.perf.measure import MeasureOptions

        options = MeasureOptions(samples=args.samples, alerts=not args.no_alerts)
        name = args.name or default_baseline_name(args.backend)
        return baseline_command(
            project,
            args.action,
            name,
            args.backend,
            args.time_scale,
            args.report,
            args.baselines,
            args.samples,
            options=options,
        )
    if args.command == "routes":
        from validation.routing.cases import format_outcome, run_routes_cases

        config = args.config or project.components["alertmanager"].config
        if config is None:
            from validation.errors import HarnessError

            raise HarnessError("no alertmanager config to route with", hint="pass --config alertmanager.yml")
        outcome = run_routes_cases(config, args.cases)
        print(format_outcome(outcome))
        return EXIT_OK if outcome.ok else EXIT_FAILED
    return EXIT_HARNESS


def _finish(report: Report, report_dir: Path) -> int:
    for check in report.checks:
        if check.status == "failed":
            print(f"FAIL {check.id}: {check.message}")
    summary = report.summary
    print(
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
        f"→ {report_dir / 'results.json'}"
    )
    return EXIT_OK if report.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

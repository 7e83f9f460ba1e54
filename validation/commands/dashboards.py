"""``stackcheck dashboards FILE…``: check any dashboard JSON against a running Prometheus.

With ``prometheus_url`` the dashboards run against that Prometheus (real time, last hour). Without
it, the project's stack is started (time scale 60), the command waits for the first scrape and for
the project's dashboard fixture (fixtures/dashboards/data.yaml, if any), then runs them.

Prints one line per panel — executed targets, data / no data, errors — writes
``<report_dir>/results.json`` (file, datasources, variables, queries and data checks) and previews
to ``<report_dir>/dashboards/``. Returns 1 when a file is not a dashboard or a panel errors or
has a target without data, else 0; a file that does not exist raises ``HarnessError`` (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from validation.checks.dashboards.data import DashboardDataCheck, complete
from validation.checks.dashboards.datasources import DashboardDatasourcesCheck
from validation.checks.dashboards.file import DashboardFileCheck
from validation.checks.dashboards.queries import DashboardQueriesCheck
from validation.checks.dashboards.variables import DashboardVariablesCheck
from validation.clients.prometheus import PrometheusClient
from validation.commands.base import Command, add_report_option, load_project
from validation.core.errors import HarnessError
from validation.core.extras import missing_extra
from validation.core.project import Project
from validation.core.results import Report
from validation.core.settings import DEFAULT_TIME_SCALE
from validation.dashboards.client import PrometheusAPI
from validation.dashboards.fixture import load_fixture
from validation.dashboards.session import DashboardSession
from validation.dashboards.stack_data import prepare, production_range


def dashboards_command(
    files: list[Path],
    project: Project,
    report_dir: Path,
    prometheus_url: str | None,
    auth: tuple[str, str] | None,
    *,
    out: TextIO = sys.stdout,
) -> int:
    provisioning = project.stack_dir / "grafana" / "provisioning" / "datasources"
    grafana = project.components.get("grafana")
    if grafana is not None and grafana.provisioning is not None:
        provisioning = grafana.provisioning / "datasources"
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing or not files:
        raise HarnessError(
            f"dashboard file(s) not found: {', '.join(missing)}" if missing else "no dashboard files given",
            hint="stackcheck dashboards PATH/TO/dashboard.json ...",
        )
    session = DashboardSession.load([Path(f) for f in files], provisioning)
    report = Report()
    if session.dashboards:
        if prometheus_url is not None:
            client: PrometheusAPI = PrometheusClient(prometheus_url, auth=auth)
            session.execute(client)
        else:
            _run_on_own_stack(session, project, report, out)
    for check in (DashboardFileCheck(), DashboardDatasourcesCheck()):
        check.evaluate(session, report)
    for executed in (DashboardVariablesCheck(), DashboardQueriesCheck(), DashboardDataCheck()):
        executed.evaluate(session, report)
    report.measurements["dashboards_execute_s"] = round(session.execute_seconds, 3)
    ok = print_summary(session, out)
    print(f"report: {report.write(report_dir)}", file=out)
    try:
        from validation.dashboards.preview import render_session

        errors: list[str] = []
        for path in render_session(session, report_dir / "dashboards", errors):
            print(f"preview: {path}", file=out)
        for error in errors:
            print(f"no preview: {error}", file=out)
    except ImportError as exc:
        print(f"no previews: {missing_extra(exc, 'previews')}", file=out)
    return 0 if ok and report.ok else 1


def _run_on_own_stack(session: DashboardSession, project: Project, report: Report, out: TextIO) -> None:
    from validation.stack.stack import Stack, StackOptions

    fixture = load_fixture(project.fixtures_dir / "dashboards" / "data.yaml")
    print(f"starting the stack of {project.root} (time scale {DEFAULT_TIME_SCALE:g}) ...", file=out)
    with Stack(project, StackOptions(time_scale=DEFAULT_TIME_SCALE)) as stack:
        problems = prepare(stack, fixture)
        for problem in problems:
            report.failed("dashboards/fixture/ready", "dashboard", problem)
            print(f"warning: {problem}", file=out)
        session.execute(stack.prometheus(), scale=DEFAULT_TIME_SCALE, range_seconds=production_range(stack))
        report.environment = stack.environment()


def print_summary(session: DashboardSession, out: TextIO) -> bool:
    """One line per panel; False when a file failed to load or a panel errs or lacks data."""
    ok = True
    for file in session.files:
        if file.error:
            print(f"FAIL {file.path}: {file.error}", file=out)
            ok = False
    for key, run in session.runs.items():
        print(f"{run.dashboard.title} ({key}) — {len(run.panels)} panels in {run.seconds:.2f}s", file=out)
        if run.error:
            print(f"  FAIL variables: {run.error}", file=out)
            ok = False
            continue
        for panel in run.panels:
            runnable = [t for t in panel.targets if not t.skipped]
            executed = sum(1 for t in runnable if t.executed)
            if panel.skipped or not runnable:
                status = "skip"
                detail = panel.skipped or "nothing runnable"
            else:
                good = not panel.errors and complete(panel)
                ok = ok and good
                status = "ok  " if good else "FAIL"
                with_data = sum(1 for t in runnable if t.has_data)
                detail = f"{executed}/{len(runnable)} executed, {'data' if with_data else 'no data'}"
                if with_data and with_data < len(runnable):
                    detail += f" ({len(runnable) - with_data} target(s) without data)"
                if panel.errors:
                    detail += "; errors: " + "; ".join(panel.errors)
            repeat = f" [{panel.repeat_value}]" if panel.repeat_value else ""
            print(f"  {status} {panel.panel_id!s:>4} {panel.title}{repeat}: {detail}", file=out)
    return ok


class DashboardsCommand(Command):
    name = "dashboards"
    help = "check dashboard JSON files (any, e.g. third-party) against a running Prometheus"
    caller_paths = ("files", "report", "password_file")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--prometheus-url",
            default=None,
            help="an existing Prometheus (loopback); default: start this repository's stack",
        )
        parser.add_argument("--user", default=None, help="basic auth user for --prometheus-url")
        parser.add_argument("--password-file", type=Path, default=None, help="basic auth password file")
        add_report_option(parser)

    def run(self, args: argparse.Namespace) -> int:
        auth = None
        if args.user:
            if args.password_file is None:
                raise HarnessError(
                    "--user needs --password-file", hint="put the password in a file, mode 600"
                )
            auth = (args.user, args.password_file.read_text(encoding="utf-8").strip())
        return dashboards_command(args.files, load_project(), args.report, args.prometheus_url, auth)

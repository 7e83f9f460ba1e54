"""JUnit XML: one ``<testsuite>`` per check group (the id's first part), one ``<testcase>`` per id.

A failed error is a ``<failure type="error">``; a failed warning is a ``<failure type="warning">``
under ``--strict`` and otherwise a passing testcase whose ``<system-out>`` carries the warning (CI
test views then stay green, as the exit code does). Skipped and waived results are ``<skipped>``
with their reason. ``file`` and ``line`` attributes point at the user's file where known.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from validation.core.results import CheckResult, Report
from validation.reports import by_id

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(report: Report, *, strict: bool = False, name: str = "stackcheck") -> str:
    root = ET.Element("testsuites", name=name)
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds_total = 0.0
    for check_id, results in by_id(report):
        group = xml_text(check_id.split("/", 1)[0])
        suite = suites.get(group)
        if suite is None:
            suite = suites[group] = ET.SubElement(root, "testsuite", name=group)
            suite.attrib.update(tests="0", failures="0", errors="0", skipped="0", time="0")
        seconds = sum(r.seconds for r in results)
        case = ET.SubElement(
            suite, "testcase", classname=f"{name}.{group}", name=xml_text(check_id), time=f"{seconds:.3f}"
        )
        located = next((r for r in results if r.file), None)
        if located is not None and located.file:
            case.set("file", xml_text(located.file))
            if located.line:
                case.set("line", str(located.line))
        outcome = _outcome(case, results, strict)
        for key in ("tests", outcome) if outcome else ("tests",):
            suite.set(key, str(int(suite.get(key, "0")) + 1))
            totals[key] += 1
        suite.set("time", f"{float(suite.get('time', '0')) + seconds:.3f}")
        seconds_total += seconds
    root.attrib.update({k: str(v) for k, v in totals.items()}, time=f"{seconds_total:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _outcome(case: ET.Element, results: list[CheckResult], strict: bool) -> str | None:
    """Fill the testcase; return the counter it adds to (failures / skipped) or None (passed)."""
    fatal = [r for r in results if r.fatal(strict)]
    if fatal:
        worst = "error" if any(r.level == "error" for r in fatal) else "warning"
        failure = ET.SubElement(case, "failure", type=worst, message=xml_text(_first_line(fatal[0].message)))
        failure.text = xml_text("\n\n".join(f"[{r.level}] {r.message}" for r in fatal))
        return "failures"
    warnings = [r for r in results if r.failed]
    if warnings:
        out = ET.SubElement(case, "system-out")
        out.text = xml_text("\n\n".join(f"warning: {r.message}" for r in warnings))
    if warnings or any(r.status == "passed" for r in results):
        return None
    waived = [r for r in results if r.status == "waived"]
    if waived:
        waiver = waived[0].waiver or {}
        message = f"waived ({waiver.get('source', '?')}): {waiver.get('reason', '')}"
        skipped = ET.SubElement(case, "skipped", message=xml_text(message))
        skipped.text = xml_text("\n\n".join(r.message for r in waived))
    else:
        ET.SubElement(case, "skipped", message=xml_text(_first_line(results[0].message) or "skipped"))
    return "skipped"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:299] + "…"

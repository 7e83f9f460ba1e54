"""``--junit FILE``, ``--annotations github``, ``--summary FILE``, ``--strict`` of ``check`` and ``run``,
and where their outputs go (the writers themselves are ``validation.reports``).

The Markdown summary is also appended to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it;
annotations go to standard output, where the runner reads workflow commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from validation.core.errors import HarnessError
from validation.core.results import Report
from validation.reports.annotations import github_annotations
from validation.reports.junit import junit_xml
from validation.reports.markdown import markdown_summary

ANNOTATION_FORMATS = ("github",)


def add_ci_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("CI outputs")
    group.add_argument(
        "--junit", type=Path, default=None, metavar="FILE", help="write JUnit XML (one testcase per check id)"
    )
    group.add_argument(
        "--annotations",
        choices=ANNOTATION_FORMATS,
        default=None,
        help="print each finding as a CI annotation (github: ::error file=…,line=…::)",
    )
    group.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="FILE",
        help="write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)",
    )
    group.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")


@dataclass
class CiOutputs:
    junit: Path | None = None
    annotations: str | None = None
    summary: Path | None = None
    strict: bool = False
    title: str = "stackcheck"

    @classmethod
    def from_args(cls, args: argparse.Namespace, title: str) -> CiOutputs:
        return cls(
            junit=getattr(args, "junit", None),
            annotations=getattr(args, "annotations", None),
            summary=getattr(args, "summary", None),
            strict=bool(getattr(args, "strict", False)),
            title=title,
        )

    def write(
        self, report: Report, *, out: TextIO | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        out = out or sys.stdout
        env = os.environ if env is None else env
        if self.annotations == "github":
            for line in github_annotations(report, strict=self.strict):
                print(line, file=out)
        if self.junit is not None:
            _write(self.junit, junit_xml(report, strict=self.strict, name=self.title.replace(" ", "-")))
            print(f"JUnit → {self.junit}", file=out)
        summary = markdown_summary(report, strict=self.strict, title=self.title)
        if self.summary is not None:
            _write(self.summary, summary)
            print(f"summary → {self.summary}", file=out)
        step_summary = env.get("GITHUB_STEP_SUMMARY")
        if step_summary:
            try:
                with open(step_summary, "a", encoding="utf-8") as handle:
                    handle.write(summary + "\n")
            except OSError as exc:
                raise HarnessError(
                    f"cannot append to $GITHUB_STEP_SUMMARY: {exc.strerror}",
                    place=step_summary,
                    hint="unset GITHUB_STEP_SUMMARY outside GitHub Actions",
                ) from None


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HarnessError(
            f"cannot write: {exc.strerror}", place=str(path), hint="choose a writable path"
        ) from None

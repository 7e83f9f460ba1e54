"""The shipped CI definitions: every `stackcheck …` command in them parses with the real argument
parser (only options that exist), and the gate's steps carry the CI outputs."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from validation.cli import build_parser

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = [
    REPO / ".github/workflows/stackcheck-pre-merge.yml",
    REPO / ".github/workflows/stackcheck-nightly.yml",
    REPO / "ci/gitlab-ci.yml",
]


def _scripts(node: Any) -> Iterator[str]:
    """Every shell script under ``node``: GitHub steps' `run:`, GitLab's `script:` / `before_script:`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in ("script", "before_script") and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from _scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scripts(item)


def _jobs(workflow: dict[str, Any]) -> Iterator[tuple[dict[str, str], Any]]:
    """(environment, job) for every job and matrix combination; the environment is the workflow's
    `env:` / `variables:` and the job's, with `${{ matrix.KEY }}` filled in."""
    top = {**(workflow.get("env") or {}), **(workflow.get("variables") or {})}
    jobs = workflow.get("jobs") or {
        k: v for k, v in workflow.items() if isinstance(v, dict) and k != "variables"
    }
    for job in jobs.values():
        matrix = ((job.get("strategy") or {}).get("matrix") or {}) if isinstance(job, dict) else {}
        combos = [{}] if not matrix else [{k: str(v)} for k, values in matrix.items() for v in values]
        for combo in combos:

            def fill(text: Any, combo: dict[str, str] = combo) -> str:
                text = re.sub(
                    r"\$\{\{\s*matrix\.(\w+)\s*\}\}", lambda m: combo.get(m.group(1), "EXPR"), str(text)
                )
                return re.sub(r"\$\{\{[^}]*\}\}", "EXPR", text)

            env = {
                k: fill(v)
                for k, v in {**top, **(job.get("env") or {}), **(job.get("variables") or {})}.items()
            }
            yield env, job


def stackcheck_commands(path: Path) -> list[list[str]]:
    """The argument vectors after each `stackcheck` word (after `sudo env PATH=… ` too), with the
    job's variables expanded and any other `${{ … }}` or `$VARIABLE` replaced by a placeholder."""
    commands = []
    for env, job in _jobs(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for script in _scripts(job):
            script = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", script.replace("\\\n", " "))
            for line in re.split(r"\n|&&|;", script):
                words = shlex.split(line)
                if "stackcheck" in words:
                    argv = words[words.index("stackcheck") + 1 :]
                    commands.append([_expand(word, env) for word in argv])
    return commands


def _expand(word: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), "VALUE"), word)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_stackcheck_command_parses_with_the_real_parser(path: Path) -> None:
    commands = stackcheck_commands(path)
    assert commands, f"no stackcheck command found in {path}"
    parser = build_parser()
    for argv in commands:
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{path.relative_to(REPO)}: `stackcheck {' '.join(argv)}` does not parse")


def test_the_extractor_sees_a_bad_option() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["check", "--changed-after", "main"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_check_and_run_write_junit_and_a_summary(path: Path) -> None:
    gates = [argv for argv in stackcheck_commands(path) if argv and argv[0] in ("check", "run")]
    assert gates
    for argv in gates:
        args = build_parser().parse_args(argv)
        assert args.junit is not None and args.summary is not None, argv
        if path.parent.name == "workflows":
            assert args.annotations == "github", argv


def test_the_pre_merge_workflow_runs_check_then_run_on_stack_changes() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/stackcheck-pre-merge.yml").read_text())
    paths = workflow[True]["pull_request"]["paths"]  # YAML 1.1 reads the key `on` as True
    assert {"stack/**", "rules/**", "fixtures/**"} <= set(paths)
    order = [argv[0] for argv in stackcheck_commands(REPO / ".github/workflows/stackcheck-pre-merge.yml")]
    assert order == ["diff", "diff", "provision", "check", "run"]


@pytest.mark.parametrize(
    "path",
    [REPO / ".github/workflows/stackcheck-pre-merge.yml", REPO / "ci/gitlab-ci.yml"],
    ids=lambda p: p.name,
)
def test_the_pre_merge_diff_is_written_for_the_reviewer(path: Path) -> None:
    """The diff goes to a file under reports/ in both formats, from the base branch to HEAD."""
    diffs = [build_parser().parse_args(argv) for argv in stackcheck_commands(path) if argv[:1] == ["diff"]]
    assert {a.format for a in diffs} == {"markdown", "json"}
    assert all(a.head == "HEAD" and a.base.startswith("origin/") for a in diffs)
    assert all(str(a.output).startswith("reports/") for a in diffs)
    text = path.read_text()
    assert "fetch-depth: 0" in text or 'GIT_DEPTH: "0"' in text
    if path.suffix == ".yml" and "workflows" in path.parts:
        assert 'cat reports/diff/diff.md >> "$GITHUB_STEP_SUMMARY"' in text


def test_the_nightly_runs_both_backends_and_compares_the_baseline() -> None:
    path = REPO / ".github/workflows/stackcheck-nightly.yml"
    workflow = yaml.safe_load(path.read_text())
    assert workflow["jobs"]["run"]["strategy"]["matrix"]["backend"] == ["process", "containers"]
    assert stackcheck_commands(path)[-1][:2] == ["baseline", "compare"]

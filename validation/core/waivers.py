"""Waivers: known findings a team accepts, with a reason and an optional expiry date.

Two sources (docs/checks.md, "Waivers"):

- ``.stackcheck-waivers.yml`` at the repository root::

      waivers:
        - id: security/advisories/alertmanager/CVE-2023-40577   # a check id or an fnmatch pattern
          reason: Debian ships 0.25.0; ...                        # required
          expires: 2027-06-30                                     # optional; after that day it fails

- ``# stackcheck disable=ID[,ID…] [reason]`` comments in rule files (like pint's ``# pint disable``):
  in the comment block at the top of the file they cover the whole file, on the comment lines
  directly above a rule (``- alert:`` / ``- record:``) only that rule. "Cover" means: the finding
  is placed in that file (and, for a rule, within its lines) or its id names the rule as one of
  its ``/``-separated parts (``alerts/<scenario>/<alert>/fires``, ``dashboards/…/threshold/<alert>``).

A waiver turns a matching *failed* result into ``waived`` (listed with the waiver in results.json
and the summaries). Every waiver reports itself as a check ``waivers/…``: passed when it silenced
something, a failed **error** when it has expired (and then silences nothing), a failed **warning**
when it matches no failure (the problem is gone, or the id is misspelt: remove or fix it) —
skipped instead when no check it names ran in a partial selection (``check``, ``run --only``). A malformed waiver file or comment is a
``HarnessError`` (exit 2) naming file:line.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError, StackcheckError
from validation.core.results import CheckResult, Report
from validation.core.yamlload import line_of, parse_yaml

WAIVER_FILE = ".stackcheck-waivers.yml"
WAIVER_PREFIX = "waivers/"
_KEYS = ("id", "reason", "expires")
_COMMENT = re.compile(r"^\s*#\s*stackcheck\s+disable=(?P<ids>\S*)(?P<reason>.*)$")
_MENTION = re.compile(r"^\s*#\s*stackcheck\s+disable")  # prose may mention stackcheck


@dataclass
class Waiver:
    pattern: str
    reason: str
    source: str  # file:line of the waiver itself
    expires: dt.date | None = None
    # scope of a rule-file comment: findings in this file (within ``lines``) or naming ``names``
    scope_file: str | None = None
    scope_lines: tuple[int, int] | None = None
    scope_names: frozenset[str] = frozenset()
    scope_label: str = ""
    matched: list[str] = field(default_factory=list)

    @property
    def check_id(self) -> str:
        if self.scope_file is None:
            return f"{WAIVER_PREFIX}{self.pattern}"
        return f"{WAIVER_PREFIX}{self.scope_file}/{self.scope_label}/{self.pattern}"

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def covers(self, check: CheckResult) -> bool:
        if not fnmatch.fnmatchcase(check.id, self.pattern):
            return False
        if self.scope_file is None:
            return True
        if self.scope_names & set(check.id.split("/")):
            return True
        if check.file != self.scope_file:
            return False
        if self.scope_lines is None:
            return True
        return check.line is not None and self.scope_lines[0] <= check.line <= self.scope_lines[1]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.pattern, "reason": self.reason, "source": self.source}
        if self.expires is not None:
            data["expires"] = self.expires.isoformat()
        if self.scope_file is not None:
            data["scope"] = f"{self.scope_file} ({self.scope_label})"
        return data


def load_waivers(root: Path, rule_files: list[Path]) -> list[Waiver]:
    """The waiver file's entries, then the disable comments of ``rule_files``."""
    waivers = load_waiver_file(root / WAIVER_FILE, WAIVER_FILE)
    for path in rule_files:
        waivers += disable_comments(path, _relative(root, path))
    return waivers


def load_waiver_file(path: Path, name: str) -> list[Waiver]:
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"not UTF-8 text ({exc.reason})", place=name, hint="save it as UTF-8") from None
    return parse_waiver_file(text, name)


def parse_waiver_file(text: str, name: str) -> list[Waiver]:
    data = parse_yaml(text, source=name, error=HarnessError)
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"waivers"}:
        extra = sorted(set(data) - {"waivers"}) if isinstance(data, dict) else []
        raise HarnessError(
            f"unknown key(s) {', '.join(map(str, extra))}" if extra else "expected a mapping with `waivers:`",
            place=f"{name}:{line_of(data, str(extra[0])) if extra else line_of(data) or 1}",
            hint="the file holds one key, `waivers:`, a list of {id, reason, expires}",
        )
    items = data.get("waivers") or []
    if not isinstance(items, list):
        raise HarnessError(
            "`waivers` must be a list",
            place=f"{name}:{line_of(data, 'waivers')}",
            hint="write each waiver as `- id: …` with `reason: …`",
        )
    lines = getattr(items, "item_lines", [0] * len(items))
    return [
        _waiver(item, f"{name}:{line or line_of(item)}") for item, line in zip(items, lines, strict=False)
    ]


def _waiver(item: Any, place: str) -> Waiver:
    hint = "each waiver is `- id: CHECK-ID-OR-PATTERN`, `reason: why`, optionally `expires: YYYY-MM-DD`"
    if not isinstance(item, dict):
        raise HarnessError(f"expected a mapping, got {type(item).__name__}", place=place, hint=hint)
    file = place.rsplit(":", 1)[0]
    unknown = [k for k in item if k not in _KEYS]
    if unknown:
        raise HarnessError(
            f"unknown key {unknown[0]!r}", place=f"{file}:{line_of(item, str(unknown[0]))}", hint=hint
        )
    for key in ("id", "reason"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise HarnessError(
                f"`{key}` is missing, empty or not text",
                place=f"{file}:{line_of(item, key) if key in item else line_of(item)}",
                hint="a waiver names the check id (or pattern) and says why it is accepted"
                if key == "reason"
                else hint,
            )
    expires = item.get("expires")
    if expires is not None:
        expires = _date(expires, f"{file}:{line_of(item, 'expires')}")
    return Waiver(pattern=item["id"].strip(), reason=item["reason"].strip(), source=place, expires=expires)


def _date(value: Any, place: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise HarnessError(
            f"expires {value!r} is not a date", place=place, hint="write it as YYYY-MM-DD, e.g. 2027-06-30"
        ) from None


def disable_comments(path: Path, name: str) -> list[Waiver]:
    """The ``# stackcheck disable=…`` comments of one rule file, each scoped to the file or a rule."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []  # the rules check reports an unreadable file
    comments = [
        (number, _COMMENT.match(text)) for number, text in enumerate(lines, 1) if _MENTION.match(text)
    ]
    if not comments:
        return []
    rules = _rule_spans(path, lines)
    first_content = next(
        (n for n, t in enumerate(lines, 1) if t.strip() and not t.lstrip().startswith("#")), 0
    )
    waivers: list[Waiver] = []
    for number, match in comments:
        place = f"{name}:{number}"
        if match is None or not match.group("ids"):
            raise HarnessError(
                "a malformed disable comment",
                place=place,
                hint="write `# stackcheck disable=CHECK-ID[,CHECK-ID…] reason` (no space around =)",
            )
        patterns = [p.strip() for p in match.group("ids").split(",")]
        if not all(patterns):
            raise HarnessError("an empty check id in the list", place=place, hint="separate ids by `,` only")
        reason = match.group("reason").strip()
        if not first_content or number < first_content:
            scope: dict[str, Any] = {
                "scope_lines": None,
                "scope_names": frozenset(n for n, _, _ in rules or [] if n),
                "scope_label": "file",
            }
        else:
            rule = _rule_below(number, lines, rules)
            if rule is None:
                if rules is None:
                    continue  # the file does not parse: the rules check says so
                raise HarnessError(
                    "a disable comment must be in the comment block at the top of the file or directly "
                    "above a rule",
                    place=place,
                    hint="move it onto the line before `- alert:` / `- record:`",
                )
            rule_name, start, end = rule
            scope = {
                "scope_lines": (start, end),
                "scope_names": frozenset({rule_name} - {""}),
                "scope_label": rule_name or f"line {start}",
            }
        waivers += [Waiver(pattern, reason, place, scope_file=name, **scope) for pattern in patterns]
    return waivers


def _rule_spans(path: Path, lines: list[str]) -> list[tuple[str, int, int]] | None:
    """(name, first line, last line) of every rule; None when the file does not parse."""
    try:
        data = parse_yaml("\n".join(lines), source=str(path))
    except StackcheckError:
        return None
    starts: list[tuple[str, int]] = []
    groups = data.get("groups") if isinstance(data, dict) else None
    for group in groups if isinstance(groups, list) else []:
        rules = group.get("rules") if isinstance(group, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict):
                starts.append((str(rule.get("alert") or rule.get("record") or ""), line_of(rule)))
    starts.sort(key=lambda s: s[1])
    ends = [s[1] - 1 for s in starts[1:]] + ([len(lines)] if starts else [])
    return [(name, start, end) for (name, start), end in zip(starts, ends, strict=True)]


def _rule_below(
    number: int, lines: list[str], rules: list[tuple[str, int, int]] | None
) -> tuple[str, int, int] | None:
    below = number + 1
    while below <= len(lines) and lines[below - 1].lstrip().startswith("#"):
        below += 1
    return next((rule for rule in rules or [] if rule[1] == below), None)


def apply_waivers(
    report: Report, waivers: list[Waiver], today: dt.date | None = None, *, complete: bool = False
) -> None:
    """Turn covered failures into ``waived``; add one ``waivers/…`` check per waiver.

    ``complete``: every check group ran (a full ``run``), so a pattern that names no check at all
    is misspelt or obsolete (a warning) rather than about checks that did not run here (skipped)."""
    today = today or dt.datetime.now(dt.UTC).date()
    live = [w for w in waivers if not w.expired(today)]
    ran = [c for c in report.checks if not c.id.startswith(WAIVER_PREFIX)]
    for check in report.checks:
        if not check.failed or check.id.startswith(WAIVER_PREFIX):
            continue
        waiver = next((w for w in live if w.covers(check)), None)
        if waiver is None:
            continue
        check.status = "waived"
        check.waiver = waiver.to_json()
        waiver.matched.append(check.id)
    seen: set[str] = set()
    for waiver in waivers:
        check_id = waiver.check_id
        if check_id in seen:
            check_id = f"{check_id}@{waiver.source}"
        seen.add(check_id)
        place = waiver.source.rsplit(":", 1)
        file, line = place[0], int(place[1]) if len(place) > 1 and place[1].isdigit() else None
        if waiver.expired(today):
            assert waiver.expires is not None
            report.failed(
                check_id,
                "static",
                f"{waiver.source}: the waiver for {waiver.pattern!r} expired on {waiver.expires.isoformat()}; "
                f"what it silenced fails again. Hint: fix the finding, or renew the waiver with a reason",
                severity="error",
                file=file,
                line=line,
            )
        elif (
            not waiver.matched
            and not complete
            and not any(fnmatch.fnmatchcase(c.id, waiver.pattern) for c in ran)
        ):
            # `check` vs `run`, `--only`: the waived check did not run here, so it can neither match nor be fixed
            report.skipped(
                check_id, "static", f"{waiver.source}: no check matching {waiver.pattern!r} ran here"
            )
        elif not waiver.matched:
            report.failed(
                check_id,
                "static",
                f"{waiver.source}: the waiver for {waiver.pattern!r} matches no failed check. "
                "Hint: the finding is gone (remove the waiver) or the id is misspelt (see results.json)",
                severity="warning",
                file=file,
                line=line,
            )
        else:
            result = report.passed(
                check_id, "static", f"silences {len(waiver.matched)}: {', '.join(waiver.matched)}"
            )
            result.severity = "error"
        report.waivers.append({**waiver.to_json(), "matched": list(waiver.matched)})


def _relative(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)

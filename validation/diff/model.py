"""What a semantic diff is made of: ``Change`` (one added / removed / changed thing) and ``StackDiff``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["added", "removed", "changed"]

# sections in the order the report shows them
SECTIONS = (
    "alert rules",
    "recording rules",
    "routing",
    "inhibition",
    "receivers",
    "templates",
    "scrape jobs",
    "dashboards",
    "panels",
)


@dataclass(frozen=True)
class Change:
    """``subject`` names the thing (a rule, a label set, a panel); ``fields`` maps what changed to
    (before, after); ``place`` is the file (relative to the project) at the side that has it."""

    section: str
    action: Action
    subject: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    place: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "action": self.action,
            "subject": self.subject,
            "place": self.place,
            "fields": {k: {"before": b, "after": a} for k, (b, a) in self.fields.items()},
            **({"details": self.details} if self.details else {}),
        }


@dataclass
class StackDiff:
    base: str
    head: str
    changes: list[Change] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what did not parse at either ref

    def in_section(self, section: str) -> list[Change]:
        return [c for c in self.changes if c.section == section]

    @property
    def summary(self) -> dict[str, int]:
        return {s: n for s in SECTIONS if (n := len(self.in_section(s)))}

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "summary": self.summary,
            "changed_files": self.changed_files,
            "problems": self.problems,
            "changes": [c.to_json() for c in self.changes],
        }

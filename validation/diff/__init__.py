"""``stackcheck diff``: what a change does to the stack, between two git refs.

``diff_trees(base, head)`` compares two checked-out copies of a project; ``diff_refs`` reads them
from git (``git archive`` into temp dirs, the work tree untouched). Render with ``render_markdown``
(a pull-request comment) or ``StackDiff.to_json``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from validation.diff.dashboards import dashboard_changes
from validation.diff.gitrefs import export_tree, repository_root, resolve_commit
from validation.diff.model import SECTIONS, Change, StackDiff
from validation.diff.render import render_markdown
from validation.diff.routing import inhibition_changes, receiver_changes, routing_changes, template_changes
from validation.diff.rules import rule_changes
from validation.diff.scrape import scrape_changes
from validation.diff.tree import StackTree, changed_files


def diff_trees(
    base: StackTree, head: StackTree, *, base_name: str = "base", head_name: str = "head"
) -> StackDiff:
    changed = changed_files(base, head)
    result = StackDiff(base_name, head_name, changed_files=changed)
    result.changes += rule_changes(base, head)
    result.changes += routing_changes(base, head)
    result.changes += inhibition_changes(base, head)
    result.changes += receiver_changes(base, head)
    result.changes += template_changes(changed, base, head)
    result.changes += scrape_changes(base, head)
    result.changes += dashboard_changes(base, head)
    order = {s: i for i, s in enumerate(SECTIONS)}
    result.changes.sort(key=lambda c: order[c.section])
    result.problems = [f"{base_name}: {p}" for p in base.problems] + [
        f"{head_name}: {p}" for p in head.problems
    ]
    return result


@contextmanager
def trees_at(project_dir: Path, base_ref: str, head_ref: str | None) -> Iterator[tuple[StackTree, StackTree]]:
    """The project (``project_dir``, maybe below the repository's top) at ``base_ref`` and at
    ``head_ref`` — or as it is on disk when ``head_ref`` is None."""
    project_dir = project_dir.resolve()
    root = repository_root(project_dir)
    inside = project_dir.relative_to(root)
    base_commit = resolve_commit(root, base_ref)
    head_commit = resolve_commit(root, head_ref) if head_ref is not None else None
    with tempfile.TemporaryDirectory(prefix="stackcheck-diff-") as tmp:
        export_tree(root, base_commit, Path(tmp) / "base")
        base = StackTree(Path(tmp) / "base" / inside)
        if head_commit is None:
            head = StackTree(project_dir)
        else:
            export_tree(root, head_commit, Path(tmp) / "head")
            head = StackTree(Path(tmp) / "head" / inside)
        yield base, head


def diff_refs(project_dir: Path, base_ref: str, head_ref: str | None = None) -> StackDiff:
    with trees_at(project_dir, base_ref, head_ref) as (base, head):
        return diff_trees(base, head, base_name=base_ref, head_name=head_ref or "work tree")


__all__ = ["Change", "StackDiff", "StackTree", "diff_refs", "diff_trees", "render_markdown", "trees_at"]

"""Metric names an expression selects, found through the real PromQL parser."""

from __future__ import annotations

import promql_parser


def selected_metrics(expr: str) -> set[str]:
    """Names of every vector selector in ``expr`` (``{__name__="x"}`` included); parse errors → empty."""
    try:
        tree = promql_parser.parse(expr)
    except (ValueError, RuntimeError):
        return set()
    names: set[str] = set()

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            for matcher in getattr(node.matchers, "matchers", []) or []:
                if (
                    matcher.name == "__name__"
                    and str(matcher.op).endswith("Equal")
                    and "Not" not in str(matcher.op)
                ):
                    names.add(matcher.value)
        return True

    promql_parser.walk(tree, visit)
    return names

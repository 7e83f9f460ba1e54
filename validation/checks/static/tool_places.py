"""Places in promtool's and amtool's messages mapped back to the user's own files.

promtool checks the rendered copy of prometheus.yml, so its ``line N`` counts lines of a file
the user never wrote: the YAML path at that line (``scrape_configs[2].relabel_configs[1].regex``)
is looked up in the original instead. A message without a line (a bad regex, an unknown
receiver) is placed at the first line of the original holding the text it quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PathItem = str | int
_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"|'([^']+)'")
_LINE = re.compile(r"\bline (\d+)\b")


def _paths(node: yaml.Node, prefix: tuple[PathItem, ...] = ()) -> list[tuple[tuple[PathItem, ...], int]]:
    """Every YAML path with the (1-based) line where it starts."""
    out = [(prefix, node.start_mark.line + 1)]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.append(((*prefix, str(key.value)), key.start_mark.line + 1))
            out += _paths(value, (*prefix, str(key.value)))[1:]
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out += _paths(item, (*prefix, index))
    return out


def _compose(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def original_line(rendered: Path, original: Path, line: int) -> int | None:
    """The original's line holding what the rendered copy has at ``line`` (the nearest enclosing
    path the original has, when the harness added the line)."""
    rendered_node, original_node = _compose(rendered), _compose(original)
    if rendered_node is None or original_node is None:
        return None
    at_line = [path for path, start in _paths(rendered_node) if start == line]
    if not at_line:
        return None
    originals = dict(_paths(original_node))
    path = max(at_line, key=len)
    while path:
        if path in originals:
            return originals[path]
        path = path[:-1]
    return None


def quoted_line(original: Path, output: str) -> int | None:
    """The first line of ``original`` containing a text ``output`` quotes."""
    try:
        lines = original.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for match in _QUOTED.finditer(output):
        text = next(g for g in match.groups() if g is not None)
        for candidate in (text, re.sub(r"^\^\(\?:(.*)\)\$$", r"\1", text)):
            if len(candidate) < 3:
                continue
            for number, content in enumerate(lines, 1):
                if candidate in content and not content.lstrip().startswith("#"):
                    return number
    return None


def map_rendered_lines(output: str, rendered: Path, original: Path) -> tuple[str, int | None]:
    """``output`` with every ``line N`` of the rendered copy rewritten to the original's line, and
    the first such line (or the line of a quoted text) for the result's place."""
    first: list[int] = []

    def replace(match: re.Match[str]) -> str:
        mapped = original_line(rendered, original, int(match.group(1)))
        if mapped is None:
            return match.group(0)
        first.append(mapped)
        return f"line {mapped}"

    mapped_output = _LINE.sub(replace, output)
    return mapped_output, (first[0] if first else quoted_line(original, output))

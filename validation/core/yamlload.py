"""Strict YAML loading that keeps line numbers, so errors can say file:line.

``load_yaml`` returns plain Python data; mappings are ``LineDict`` instances that remember
the line of each key (1-based), which strict parsers (scenarios, stack.yaml) use to point at
an unknown key. Duplicate keys are errors, as they are in Prometheus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from validation.core.errors import ConfigError, HarnessError, StackcheckError


class LineDict(dict[str, Any]):
    """A dict that knows the line of its own start and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date-shaped value that is no date (``2027-13-45``) is a marked error, not a ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _LiteralIntLoader(_Loader):
    """Integers only when written as plain decimals: ``0x63`` (promtool's "0, 63 more times"),
    ``1_000`` or ``1:30`` stay the text the user wrote instead of YAML 1.1's 99, 1000, 90."""


def _construct_literal_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    text = str(node.value)
    if text.lstrip("+-").isdigit() and not (len(text.lstrip("+-")) > 1 and text.lstrip("+-").startswith("0")):
        return int(text)
    return text


_LiteralIntLoader.add_constructor("tag:yaml.org,2002:int", _construct_literal_int)


def parse_yaml(
    text: str, *, source: str, error: type[StackcheckError] = ConfigError, literal_ints: bool = False
) -> Any:
    """Parse ``text``; a syntax error becomes ``error`` naming ``source:line:column``.

    ``literal_ints``: only plain decimals become integers (see ``_LiteralIntLoader``)."""
    loader = _LiteralIntLoader if literal_ints else _Loader
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(
            f"not valid YAML: {problem}",
            place=place,
            hint="fix the syntax at that line (indentation, a missing ':' or an unclosed quote)",
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {exc}", place=source, hint="fix the YAML syntax") from None
    except TypeError as exc:  # e.g. a mapping or list used as a key: `? [a]: 1`
        raise error(
            f"not valid YAML here: {exc}", place=source, hint="simplify: keys must be plain text"
        ) from None
    except RecursionError:
        raise error(
            "not valid YAML here: nested too deeply", place=source, hint="simplify the document"
        ) from None


def load_yaml(path: Path, *, error: type[StackcheckError] = ConfigError) -> Any:
    """Read and parse a YAML file; a missing file is a ``HarnessError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarnessError(
            "file not found", place=str(path), hint="check the path, or run from the repository root (-C DIR)"
        ) from None
    except UnicodeDecodeError as exc:
        raise error(
            f"not UTF-8 text ({exc.reason})", place=str(path), hint="save the file as UTF-8"
        ) from None
    return parse_yaml(text, source=str(path), error=error)


def line_of(data: Any, key: str | None = None) -> int:
    """Best-effort line number of ``data`` (or of ``key`` inside it); 0 when unknown."""
    if isinstance(data, LineDict):
        return data.line_of(key) if key is not None else data.line
    if isinstance(data, LineList):
        return data.line
    return 0


def to_plain(value: Any) -> Any:
    """LineDict/LineList → plain dict/list (for yaml.safe_dump of rendered copies)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, bool | int) else k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value

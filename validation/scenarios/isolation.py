"""Per-scenario label isolation: concurrent scenarios never share an instance or node.

A ``Rewrite`` appends a suffix (``-s3``) to
- every ``node`` label value: ``gpu-node-7`` → ``gpu-node-7-s3``;
- the host part of every ``instance`` label value, keeping the port:
  ``gpu-node-7:9100`` → ``gpu-node-7-s3:9100`` (no ``:<digits>`` at the end → the whole value
  is the host);
- in free text (annotations, ``contains`` strings, label values other than instance/node,
  silence regexes), every whole-word occurrence of a host or node name seen in the scenario's
  series: ``gpu-node-7`` is replaced, ``gpu-node-71`` is not. A word boundary is any character
  other than a letter, digit, ``_``, ``-`` (and, before the name, ``.``).
Limits: names escaped inside a regex (``10\\.0\\.0\\.7``) are not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ISOLATED_LABELS = ("instance", "node")
_PORT = re.compile(r"(?P<host>.*?)(?P<port>:\d+)")


def split_instance(value: str) -> tuple[str, str]:
    """``host:port`` → (host, ":port"); a value without a trailing port is all host."""
    match = _PORT.fullmatch(value)
    return (match["host"], match["port"]) if match and match["host"] else (value, "")


@dataclass(frozen=True)
class Rewrite:
    suffix: str
    hosts: tuple[str, ...]

    @classmethod
    def for_series(cls, suffix: str, label_sets: Iterable[Mapping[str, str]]) -> Rewrite:
        names: set[str] = set()
        for labels in label_sets:
            if labels.get("node"):
                names.add(labels["node"])
            if labels.get("instance"):
                names.add(split_instance(labels["instance"])[0])
        return cls(suffix, tuple(sorted(names, key=lambda name: (-len(name), name))))

    def value(self, label: str, value: str) -> str:
        """The isolated value of an ``instance`` / ``node`` label (others unchanged)."""
        if not value or label not in ISOLATED_LABELS:
            return value
        if label == "node":
            return value + self.suffix
        host, port = split_instance(value)
        return f"{host}{self.suffix}{port}"

    def labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        return {
            key: self.value(key, value) if key in ISOLATED_LABELS else self.text(value)
            for key, value in labels.items()
        }

    def text(self, text: str) -> str:
        if not self.hosts:
            return text
        pattern = "|".join(re.escape(host) for host in self.hosts)
        return re.sub(rf"(?<![\w.-])(?:{pattern})(?![\w-])", lambda match: match.group() + self.suffix, text)

    def texts(self, mapping: Mapping[str, str]) -> dict[str, str]:
        return {key: self.text(value) for key, value in mapping.items()}

    def matcher_value(self, label: str, op: str, value: str) -> str:
        """Equality matchers on instance/node are rewritten like labels; the rest like text."""
        if label in ISOLATED_LABELS and op in ("=", "!="):
            return self.value(label, value)
        return self.text(value)

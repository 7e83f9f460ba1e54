"""Versions for the advisory check (not a check): semantic ranges, Debian revisions, what runs.

- ``in_range("0.25.0", ">=0.24.0,<0.25.1")``: numeric x.y.z comparison (a pre-release or build
  suffix is ignored by the ranges; exact fixed builds are listed in the data file instead);
- ``debian_compare(a, b)``: dpkg's ordering (epoch, upstream, revision; ``~`` sorts first);
- ``debian_revision(binary)``: the Debian package version that installed ``binary``, '' if none.
"""

from __future__ import annotations

import re
import subprocess
from functools import cmp_to_key

_OPS = ("<=", ">=", "<", ">", "==", "=")


def parse(version: str) -> tuple[int, ...]:
    match = re.match(r"v?(\d+(?:\.\d+)*)", version.strip())
    if not match:
        raise ValueError(f"not a version: {version!r}")
    parts = tuple(int(p) for p in match.group(1).split("."))
    return parts + (0,) * (3 - len(parts))


def in_range(version: str, spec: str) -> bool:
    """Whether ``version`` satisfies every comma-separated bound of ``spec``."""
    have = parse(version)
    for bound in (b.strip() for b in spec.split(",") if b.strip()):
        op = next(o for o in _OPS if bound.startswith(o)) if bound[0] in "<>=" else "=="
        want = parse(bound[len(op) :] if bound[0] in "<>=" else bound)
        ok = {
            "<": have < want,
            "<=": have <= want,
            ">": have > want,
            ">=": have >= want,
            "==": have == want,
            "=": have == want,
        }[op]
        if not ok:
            return False
    return True


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256 if char else 0


def _compare_part(a: str, b: str) -> int:
    while a or b:
        a_text = re.match(r"[^\d]*", a).group(0)  # type: ignore[union-attr]
        b_text = re.match(r"[^\d]*", b).group(0)  # type: ignore[union-attr]
        for i in range(max(len(a_text), len(b_text))):
            ca = _order(a_text[i]) if i < len(a_text) else 0
            cb = _order(b_text[i]) if i < len(b_text) else 0
            if ca != cb:
                return -1 if ca < cb else 1
        a, b = a[len(a_text) :], b[len(b_text) :]
        a_num = re.match(r"\d*", a).group(0)  # type: ignore[union-attr]
        b_num = re.match(r"\d*", b).group(0)  # type: ignore[union-attr]
        if int(a_num or 0) != int(b_num or 0):
            return -1 if int(a_num or 0) < int(b_num or 0) else 1
        a, b = a[len(a_num) :], b[len(b_num) :]
    return 0


def split_debian(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0), upstream, revision


def debian_compare(a: str, b: str) -> int:
    """-1, 0, 1 as ``dpkg --compare-versions`` orders Debian versions."""
    ea, ua, ra = split_debian(a)
    eb, ub, rb = split_debian(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


debian_key = cmp_to_key(debian_compare)


def debian_upstream(version: str) -> str:
    """``2.42.0+ds-5+deb12u1`` → ``2.42.0``."""
    upstream = split_debian(version)[1]
    return re.split(r"[+~]", upstream, maxsplit=1)[0]


def debian_revision(binary: str) -> str:
    """The version of the Debian package that owns ``binary`` ('' when dpkg does not know it)."""
    try:
        owner = subprocess.run(["dpkg-query", "-S", binary], capture_output=True, text=True, timeout=10)
        if owner.returncode != 0:
            return ""
        package = owner.stdout.split(":", 1)[0].strip()
        version = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return version.stdout.strip() if version.returncode == 0 else ""

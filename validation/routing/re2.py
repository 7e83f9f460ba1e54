"""Go RE2 regular expressions (Alertmanager's ``regexp`` package) evaluated with Python's ``re``.

Alertmanager compiles every matcher regex as the string ``"^(?:" + re + ")$"`` with Go's RE2 syntax;
``compile_go_regex`` translates that same concatenated string (so even ``a)|(b``, which escapes the
anchoring group, behaves as in Go) into a Python pattern used with ``search`` like Go's ``MatchString``.
It rejects what Go rejects (look-arounds, back-references, atomic groups, possessive quantifiers,
conditionals, comments, ``(?x)``, repeat counts above 1000, ...) and rewrites what differs:

- ``\\d \\w \\s \\b`` are ASCII-only in Go and Unicode-aware in Python: they become explicit ASCII sets;
- ``^``/``$`` without ``m`` are start/end of text in Go; Python's bare ``$`` also matches before a final
  newline, so they become ``\\A``/``\\Z``;
- ``(?i)`` in the middle of a group is legal in Go and an error in Python 3.11: it becomes a scoped
  ``(?i:...)`` group, closed and reopened around ``|`` and closed at the group's ``)``;
- ``\\z``, ``\\Q...\\E``, ``\\x{...}``, octal escapes and ``[[:alpha:]]`` classes are rewritten;
- ``{,n}`` is a literal in Go (Python reads it as ``{0,n}``); ``U`` (ungreedy) and lazy ``?`` are
  dropped, since greediness never changes whether an anchored match exists.

Limits, stated plainly: Unicode classes ``\\p{...}`` / ``\\pL``, ``\\C``, negated classes inside brackets
(``[\\W]``, ``[[:^alpha:]]``) raise ``UnsupportedRegex`` (valid in Go, not evaluated here). Under
``(?i)`` Python's Unicode case folding is used; it may differ from Go's simple folding for a few
special characters. Python ``re`` backtracks, so a pathological regex can be slow where RE2 is linear.
"""

from __future__ import annotations

import re
from functools import lru_cache

_W = "0-9A-Za-z_"
_D = "0-9"
_S = "\\t\\n\\f\\r "
_CLASS_ESCAPES = {"d": _D, "w": _W, "s": _S}
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": _W,
    "xdigit": "0-9A-Fa-f",
}
_WORD_BOUNDARY = f"(?:(?<=[{_W}])(?![{_W}])|(?<![{_W}])(?=[{_W}]))"
_NOT_WORD_BOUNDARY = f"(?:(?<=[{_W}])(?=[{_W}])|(?<![{_W}])(?![{_W}]))"
_SIMPLE_ESCAPES = {
    "a": "\\a",
    "f": "\\f",
    "n": "\\n",
    "r": "\\r",
    "t": "\\t",
    "v": "\\v",
    "A": "\\A",
    "z": "\\Z",
}
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_GO_FLAGS = set("imsU")
_MAX_REPEAT = 1000


class GoRegexError(ValueError):
    """The pattern is not valid Go RE2 syntax: Alertmanager would reject the config."""


class UnsupportedRegex(ValueError):
    """Valid in Go, but stackcheck cannot evaluate it faithfully with Python's ``re``."""


@lru_cache(maxsize=4096)
def compile_go_regex(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` anchored as Alertmanager does (``^(?:pattern)$``), with Go semantics."""
    # Alertmanager concatenates strings, so `a)|(b` is valid and changes the anchoring: translate the whole.
    translated = _Translator(f"^(?:{pattern})$", pattern).translate()
    try:
        return re.compile(translated)
    except re.error as exc:
        raise GoRegexError(f"error parsing regexp: {exc.msg}: `{pattern}`") from None


class _Translator:
    def __init__(self, anchored: str, pattern: str) -> None:
        self.src = anchored
        self.pattern = pattern
        self.pos = 0
        self.out: list[str] = []
        # One entry per open group: the scoped flag groups opened inside it by a bare ``(?flags)``.
        self.scopes: list[list[str]] = [[]]
        self.multiline = [False]  # per open group: is Go's m flag on here
        self.can_repeat = False

    def fail(self, what: str) -> GoRegexError:
        return GoRegexError(f"error parsing regexp: {what}: `{self.pattern}`")

    def translate(self) -> str:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "\\":
                self.escape()
            elif ch == "[":
                self.char_class()
            elif ch == "(":
                self.open_group()
            elif ch == ")":
                if len(self.scopes) == 1:
                    raise self.fail("unexpected )")
                self.close_scoped(self.scopes.pop())
                self.multiline.pop()
                self.emit(")", repeatable=True)
                self.pos += 1
            elif ch == "|":
                opened = self.scopes[-1]
                self.close_scoped(opened)
                self.out.append("|")
                self.out.extend(f"(?{flags}:" for flags in opened)
                self.can_repeat = False
                self.pos += 1
            elif ch in "*+?":
                self.quantifier(ch)
            elif ch == "{":
                self.brace()
            elif ch in "^$":
                # Go without m: ^ is \A and $ is \z; Python's bare $ would also match before a final \n.
                plain = {"^": "\\A", "$": "\\Z"}[ch]
                self.emit(f"(?:{ch if self.multiline[-1] else plain})", repeatable=True)
                self.pos += 1
            else:
                self.emit("." if ch == "." else re.escape(ch), repeatable=True)
                self.pos += 1
        if len(self.scopes) != 1:
            raise self.fail("missing closing )")
        self.close_scoped(self.scopes[0])
        return "".join(self.out)

    def emit(self, text: str, *, repeatable: bool) -> None:
        self.out.append(text)
        self.can_repeat = repeatable

    def close_scoped(self, opened: list[str]) -> None:
        self.out.append(")" * len(opened))

    def quantifier(self, ch: str) -> None:
        if not self.can_repeat:
            raise self.fail(f"missing argument to repetition operator: `{ch}`")
        self.out.append(ch)
        self.pos += 1
        if self.pos < len(self.src) and self.src[self.pos] == "?":
            self.pos += 1  # lazy: irrelevant to an anchored full match
        if self.pos < len(self.src) and self.src[self.pos] in "*+?{":
            nxt = self.src[self.pos]
            if nxt != "{" or _REPEAT.match(self.src, self.pos):
                raise self.fail("invalid nested repetition operator")
        self.can_repeat = False

    def brace(self) -> None:
        m = _REPEAT.match(self.src, self.pos)
        if not m:
            self.emit("\\{", repeatable=True)  # Go: a brace that is no repeat count is a literal
            self.pos += 1
            return
        low, high = int(m.group(1)), m.group(3)
        if low > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
            raise self.fail(f"invalid repeat count: `{m.group(0)}`")
        if high and int(high) < low:
            raise self.fail(f"invalid repeat count: `{m.group(0)}`")
        self.quantifier_text(m.group(0))
        self.pos = m.end()
        if self.pos < len(self.src) and self.src[self.pos] == "?":
            self.pos += 1
        if self.pos < len(self.src) and self.src[self.pos] in "*+?":
            raise self.fail("invalid nested repetition operator")

    def quantifier_text(self, text: str) -> None:
        if not self.can_repeat:
            raise self.fail(f"missing argument to repetition operator: `{text}`")
        self.out.append(text)
        self.can_repeat = False

    def open_group(self) -> None:
        src, pos = self.src, self.pos
        if not src.startswith("(?", pos):
            self.out.append("(")
            self.scopes.append([])
            self.multiline.append(self.multiline[-1])
            self.can_repeat = False
            self.pos += 1
            return
        if src.startswith("(?P<", pos) or src.startswith("(?P=", pos):
            if src.startswith("(?P=", pos):
                raise self.fail("invalid named capture (back-references are not supported)")
            end = src.find(">", pos)
            name = src[pos + 4 : end] if end > 0 else ""
            if end < 0 or not re.fullmatch(r"[A-Za-z0-9_]+", name):
                raise self.fail(f"invalid named capture: `{src[pos : end + 1]}`")
            self.out.append(f"(?P<{name}>")
            self.scopes.append([])
            self.multiline.append(self.multiline[-1])
            self.can_repeat = False
            self.pos = end + 1
            return
        m = re.compile(r"\(\?([A-Za-z]*)(?:-([A-Za-z]*))?([:)])").match(src, pos)
        if not m or not (m.group(1) or m.group(2) is not None or m.group(3) == ":"):
            raise self.fail(f"invalid or unsupported Perl syntax: `{src[pos : pos + 3]}`")
        on, off, closer = m.group(1), m.group(2) or "", m.group(3)
        if set(on + off) - _GO_FLAGS or (m.group(2) is not None and not off):
            raise self.fail(f"invalid or unsupported Perl syntax: `{m.group(0)}`")
        multiline = ("m" in on) or (self.multiline[-1] and "m" not in off)
        on, off = on.replace("U", ""), off.replace("U", "")
        flags = on + (f"-{off}" if off else "")
        self.pos = m.end()
        if closer == ":":
            self.out.append(f"(?{flags}:" if flags else "(?:")
            self.scopes.append([])
            self.multiline.append(multiline)
            self.can_repeat = False
        else:
            self.can_repeat = False
            self.multiline[-1] = multiline
            if flags:
                self.out.append(f"(?{flags}:")
                self.scopes[-1].append(flags)

    def escape(self) -> None:
        src = self.src
        if self.pos + 1 >= len(src):
            raise self.fail("trailing backslash at end of expression")
        ch = src[self.pos + 1]
        self.pos += 2
        if ch in _CLASS_ESCAPES:
            self.emit(f"[{_CLASS_ESCAPES[ch]}]", repeatable=True)
        elif ch.lower() in _CLASS_ESCAPES:
            self.emit(f"[^{_CLASS_ESCAPES[ch.lower()]}]", repeatable=True)
        elif ch == "b":
            self.emit(_WORD_BOUNDARY, repeatable=True)
        elif ch == "B":
            self.emit(_NOT_WORD_BOUNDARY, repeatable=True)
        elif ch in _SIMPLE_ESCAPES:
            self.emit(f"(?:{_SIMPLE_ESCAPES[ch]})" if ch in "Az" else _SIMPLE_ESCAPES[ch], repeatable=True)
        elif ch == "Q":
            end = src.find("\\E", self.pos)
            literal = src[self.pos :] if end < 0 else src[self.pos : end]
            self.pos = len(src) if end < 0 else end + 2
            if literal:
                self.emit(f"(?:{re.escape(literal)})", repeatable=True)
        else:
            self.emit(self.literal_escape(ch), repeatable=True)

    def literal_escape(self, ch: str) -> str:
        """An escape that stands for one character (shared by classes); returns Python text."""
        src = self.src
        if ch in "pP":
            raise UnsupportedRegex(
                f"Unicode class \\{ch} in `{src}` is valid in Go but not supported by stackcheck's evaluator"
            )
        if ch == "C":
            raise UnsupportedRegex(f"\\C (any byte) in `{src}` cannot be evaluated on text")
        if ch == "x":
            if src.startswith("{", self.pos):
                end = src.find("}", self.pos)
                digits = src[self.pos + 1 : end] if end > 0 else ""
                if not re.fullmatch(r"[0-9A-Fa-f]{1,8}", digits) or int(digits, 16) > 0x10FFFF:
                    raise self.fail("invalid escape sequence: `\\x{`")
                self.pos = end + 1
                return re.escape(chr(int(digits, 16)))
            digits = src[self.pos : self.pos + 2]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise self.fail("invalid escape sequence: `\\x`")
            self.pos += 2
            return re.escape(chr(int(digits, 16)))
        if ch.isdigit():
            # Go: \1-\7 alone would be a back-reference (rejected); otherwise up to 3 octal digits.
            start = self.pos - 1
            m = re.compile(r"[0-7]{1,3}").match(src, start)
            if ch in "89" or not m or (ch != "0" and m.end() - start == 1):
                raise self.fail(f"invalid escape sequence: `\\{ch}`")
            self.pos = m.end()
            return re.escape(chr(int(m.group(0), 8)))
        if ch.isascii() and not ch.isalnum() and ch != "_" and ch.isprintable():
            return re.escape(ch)
        raise self.fail(f"invalid escape sequence: `\\{ch}`")

    def char_class(self) -> None:
        src = self.src
        self.pos += 1
        parts = ["["]
        if src.startswith("^", self.pos):
            parts.append("^")
            self.pos += 1
        first = True
        while True:
            if self.pos >= len(src):
                raise self.fail("missing closing ]")
            ch = src[self.pos]
            if ch == "]" and not first:
                self.pos += 1
                break
            first = False
            if src.startswith("[:", self.pos):
                m = re.compile(r"\[:(\^?)([a-z]+):\]").match(src, self.pos)
                if m and m.group(2) in _POSIX:
                    if m.group(1):
                        raise UnsupportedRegex(
                            f"negated POSIX class {m.group(0)} in `{src}` is not supported"
                        )
                    parts.append(_POSIX[m.group(2)])
                    self.pos = m.end()
                    continue
                if m:
                    raise self.fail(f"invalid character class range: `{m.group(0)}`")
            if ch == "\\":
                if self.pos + 1 >= len(src):
                    raise self.fail("trailing backslash at end of expression")
                esc = src[self.pos + 1]
                self.pos += 2
                if esc in _CLASS_ESCAPES:
                    parts.append(_CLASS_ESCAPES[esc])
                elif esc.lower() in _CLASS_ESCAPES:
                    raise UnsupportedRegex(f"negated class \\{esc} inside [...] in `{src}` is not supported")
                elif esc in "afnrtv":
                    parts.append(_SIMPLE_ESCAPES[esc])
                else:
                    parts.append(self.literal_escape(esc))
                continue
            parts.append(re.escape(ch) if ch in "[]^\\&~|-" and ch != "-" else ch)
            self.pos += 1
        if len(parts) == 1 or parts == ["[", "^"]:
            raise self.fail("missing closing ]")
        parts.append("]")
        self.emit("".join(parts), repeatable=True)

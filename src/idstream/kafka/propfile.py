"""Java .properties text, read as java.util.Properties reads it, with the line each key came
from so that problems can point at it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One warning or error about one property (and the line it came from, when known)."""

    property: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedProperties:
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        nxt = text[index + 1]
        if nxt == "u" and index + 6 <= len(text):
            try:
                out.append(chr(int(text[index + 2 : index + 6], 16)))
                index += 6
                continue
            except ValueError:
                raise ValueError(f"malformed \\u escape [{text[index : index + 6]}]") from None
        out.append(_ESCAPES.get(nxt, nxt))
        index += 2
    return "".join(out)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Natural lines joined where one ends in an odd number of backslashes (Java's rule)."""
    result: list[tuple[int, str]] = []
    current: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip() if current is not None else raw
        if current is None:
            stripped = line.strip()
            if not stripped or stripped[0] in "#!":
                continue
            start, current = number, line.lstrip()
        else:
            current += line
        trailing = len(current) - len(current.rstrip("\\"))
        if trailing % 2 == 1:
            current = current[:-1]
            continue
        result.append((start, current))
        current = None
    if current is not None:
        result.append((start, current))
    return result


def _split_key(line: str) -> tuple[str, str] | None:
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char in "=:" or char.isspace():
            break
        index += 1
    if index >= len(line):
        return None
    key, rest = line[:index], line[index:].lstrip()
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip()
    return key, rest


def parse_properties(text: str) -> ParsedProperties:
    """Java .properties text: `#`/`!` comments, blank lines, `key=value`, `key: value`,
    `key value`, backslash continuations and escapes."""
    parsed = ParsedProperties()
    for number, line in _logical_lines(text):
        split = _split_key(line)
        if split is None:
            parsed.errors.append(
                Problem(line.strip(), f"[{line.strip()}] is not a key=value line.", number)
            )
            continue
        try:
            key, value = _unescape(split[0]), _unescape(split[1]).strip()
        except ValueError as error:
            parsed.errors.append(Problem(split[0], f"[{split[0]}] has a {error}", number))
            continue
        if not key:
            parsed.errors.append(Problem("", "a line starts with a separator, not a key", number))
            continue
        if key in parsed.values:
            parsed.warnings.append(
                Problem(
                    key, f"[{key}] is set again (line {parsed.lines[key]}); the last wins", number
                )
            )
        parsed.values[key] = value
        parsed.lines[key] = number
    return parsed


def to_text(properties: Mapping[str, Any]) -> str:
    """The `key=value` lines the UI and CLI show; newlines in values are escaped."""
    lines = []
    for key, value in properties.items():
        text = str(value).replace("\\", "\\\\").replace("\n", "\\n")
        lines.append(f"{key}={text}")
    return "\n".join(lines) + ("\n" if lines else "")

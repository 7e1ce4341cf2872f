"""Where each statement of a policy document sits in its text, as the policy simulator
reports it (``MatchedStatements`` ``StartPosition``/``EndPosition``).

AWS's examples fix the convention: for the one-line document of the SimulateCustomPolicy
example (AWS CLI reference, ``simulate-custom-policy``), whose statement object runs from
the 37th character to the 166th, IAM answers ``{"Line": 1, "Column": 38}`` and
``{"Line": 1, "Column": 167}``; the pretty-printed document of the SimulatePrincipalPolicy
example answers Line 3 Column 19 for ``    "Statement": {``. Lines count from 1, columns
from 1, and a position is the one just after the statement's ``{`` and just after its
``}`` (what a streaming JSON parser reports as its location once it has read the brace).
A line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r``; every other character, a tab included,
is one column.

The text is scanned once, left to right, without recursion: the work is linear in its
length whatever it holds. The text must be a valid policy (``document.parse_policy_document``):
for anything else the spans may be empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    line: int
    column: int

    def entry(self) -> dict[str, int]:
        return {"Line": self.line, "Column": self.column}


Span = tuple[Position, Position]


def statement_spans(text: str) -> list[Span]:
    """The (start, end) of each statement of the document's ``Statement``, in order.

    ``Statement`` may be one object or an array of objects; when the top-level object names
    it twice the last one counts, as the JSON decoder keeps the last.
    """
    spans: list[Span] = []
    # Containers open at each depth: "{" or "[", with, for the top-level object's members,
    # the key whose value is being read.
    stack: list[str] = []
    last_key: str | None = None
    reading_statement = False  # inside the value of the top-level "Statement" member
    statement_start: Position | None = None
    line, line_start = 1, 0
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            if len(stack) == 1 and stack[0] == "{" and _next_significant(text, end) == ":":
                last_key = _decode(text[i:end])
            i = end
            continue
        if char in "{[":
            stack.append(char)
            depth = len(stack)
            if depth == 2 and stack[0] == "{":
                reading_statement = last_key == "Statement"
                if reading_statement:
                    spans.clear()  # a later "Statement" replaces an earlier one
            if reading_statement and char == "{" and _is_statement_depth(stack):
                statement_start = Position(line, i - line_start + 2)
        elif char in "}]":
            if reading_statement and char == "}" and _is_statement_depth(stack):
                assert statement_start is not None
                spans.append((statement_start, Position(line, i - line_start + 2)))
            if stack:
                stack.pop()
            if len(stack) == 1:
                reading_statement = False
        elif char == "\n":
            line, line_start = line + 1, i + 1
        elif char == "\r":
            if i + 1 < size and text[i + 1] == "\n":
                i += 1
            line, line_start = line + 1, i + 1
        i += 1
    return spans


def _is_statement_depth(stack: list[str]) -> bool:
    """The container just opened (or about to close) is a statement object: the value of
    ``Statement`` itself, or an element of that array."""
    if len(stack) == 2:
        return stack[1] == "{"
    return len(stack) == 3 and stack[1] == "[" and stack[2] == "{"


def _string_end(text: str, start: int) -> int:
    """The index just past the string literal opening at ``start``."""
    i = start + 1
    size = len(text)
    while i < size:
        found = text.find('"', i)
        if found < 0:
            return size
        backslashes = 0
        j = found - 1
        while j > start and text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return found + 1
        i = found + 1
    return size


def _next_significant(text: str, start: int) -> str:
    size = len(text)
    i = start
    while i < size and text[i] in " \t\r\n":
        i += 1
    return text[i] if i < size else ""


def _decode(literal: str) -> str | None:
    try:
        value = json.loads(literal)
    except ValueError:
        return None
    return value if isinstance(value, str) else None

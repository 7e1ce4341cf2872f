"""Wildcard patterns (``*`` any run of characters, ``?`` any one character), matched in full
and without backtracking.

A pattern is cut at its stars into pieces of fixed length (characters and ``?``). A text
matches when the first piece matches at its start, the last at its end, and those between
are found in order, each at the leftmost place after the one before: the leftmost place is
never wrong, since a later one leaves less room for the rest. Each piece is searched for
once (``str.find``, or a fixed-length regex for a piece with ``?``), so the work is bounded
by text length times piece length, in C; a regex of ``.*`` runs, as the evaluator used,
backtracks exponentially on a failing text (``s3:*?*?*?...``). A text shorter than the
pattern's characters other than stars is refused before any search.

Case-insensitive patterns compare characters as ``re.IGNORECASE`` does (the evaluator's
regexes did): for an ASCII text, both sides are folded to lower case, with the four
characters ``re`` also equates with ASCII letters (U+0130 and U+0131, dotted capital and
dotless i; U+017F long s; U+212A Kelvin sign) folded to theirs; a text with other
characters is matched piece by piece with ``re.IGNORECASE`` itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Beyond ASCII case, re.IGNORECASE lets exactly these pattern characters match ASCII text:
# simple lower case İ -> i and K -> k, and re's own equivalences ı ~ i and ſ ~ s (checked
# over every code point on CPython 3.11; tests/test_wildcard.py compares with re).
_ASCII_FOLD = str.maketrans(
    {
        **{chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)},
        "\u0130": "i",
        "\u0131": "i",
        "\u017f": "s",
        "\u212a": "k",
    }
)
_Piece = tuple[str, "re.Pattern[str] | None"]  # (folded text, regex when it has "?")


class Wildcard:
    """A compiled wildcard pattern: ``matches(text)`` is a full, non-backtracking match."""

    __slots__ = ("_ignore_case", "_min_length", "_pattern", "_pieces", "_regex_pieces")

    def __init__(self, pattern: str, ignore_case: bool = False) -> None:
        self._pattern = pattern
        self._ignore_case = ignore_case
        self._min_length = len(pattern) - pattern.count("*")
        # Pieces are cut on the first text long enough to need them: most patterns a
        # report weighs are refused on length alone.
        self._pieces: tuple[_Piece, ...] | None = None
        self._regex_pieces: tuple[_Piece, ...] | None = None

    def matches(self, text: str) -> bool:
        if len(text) < self._min_length:
            return False
        if self._ignore_case and not text.isascii():
            return self._match_with_re(text)
        pieces = self._pieces
        if pieces is None:
            folded = self._pattern.translate(_ASCII_FOLD) if self._ignore_case else self._pattern
            pieces = self._pieces = tuple(
                (piece, _question_regex(piece)) for piece in folded.split("*")
            )
        return _match(pieces, text.lower() if self._ignore_case else text)

    def _match_with_re(self, text: str) -> bool:
        if self._regex_pieces is None:  # IGNORECASE as re does it, for non-ASCII text
            self._regex_pieces = tuple(
                (piece, _literal_regex(piece)) for piece in self._pattern.split("*")
            )
        return _match(self._regex_pieces, text)


def _question_regex(piece: str) -> re.Pattern[str] | None:
    """The fixed-length regex of a piece with "?" and other characters, else None."""
    if "?" not in piece or not piece.strip("?"):
        return None
    return re.compile("".join("." if c == "?" else re.escape(c) for c in piece), re.DOTALL)


def _literal_regex(piece: str) -> re.Pattern[str]:
    return re.compile(
        "".join("." if c == "?" else re.escape(c) for c in piece), re.IGNORECASE | re.DOTALL
    )


def _match(pieces: tuple[_Piece, ...], text: str) -> bool:
    """Full match of the star-separated ``pieces`` (the caller checked the length)."""
    size = len(text)
    if len(pieces) == 1:
        return size == len(pieces[0][0]) and _at(pieces[0], text, 0)
    head, tail = pieces[0], pieces[-1]
    end = size - len(tail[0])
    if not (_at(head, text, 0) and _at(tail, text, end)):
        return False
    position = len(head[0])
    for piece in pieces[1:-1]:
        found = _find(piece, text, position, end)
        if found < 0:
            return False
        position = found + len(piece[0])
    return position <= end


def _at(piece: _Piece, text: str, position: int) -> bool:
    """The piece matches ``text`` at ``position`` (which leaves room for it)."""
    chars, regex = piece
    if regex is not None:
        return regex.match(text, position) is not None
    if "?" in chars:  # only "?": any characters
        return True
    return text.startswith(chars, position)


def _find(piece: _Piece, text: str, start: int, end: int) -> int:
    """Where the piece first matches within ``text[start:end]``, or -1."""
    chars, regex = piece
    if regex is not None:
        found = regex.search(text, start, end)
        return -1 if found is None else found.start()
    if "?" in chars:  # only "?"
        return start if start + len(chars) <= end else -1
    return text.find(chars, start, end)


@lru_cache(maxsize=4096)
def wildcard(pattern: str, ignore_case: bool = False) -> Wildcard:
    """The compiled pattern, cached (the cache is bounded: patterns come from callers)."""
    return Wildcard(pattern, ignore_case)

"""Property tests: the non-backtracking matchers answer exactly as the ones they replaced.

* ``policy.wildcard`` (action patterns) against a regex of ``.*`` and ``.`` with
  ``re.IGNORECASE``, as the evaluator compiled them before, on small patterns and texts
  (where backtracking is cheap), ASCII and not, and through the evaluator: the actions a
  generated ``s3:`` pattern allows are the catalogue's actions the regex matches.
* the evaluator's bit-parallel ``_intersects`` and ``_contains`` (Resource globs) against the
  depth-first search over pairs of positions they replaced, copied below.
* ``bounded_json``: the measured depth is a JSON lexer's, and ``loads`` is ``json.loads``
  within the limit.

Few examples, no deadline, no database, derandomized: the module takes a few seconds.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_access_mock import bounded_json
from iam_access_mock.policy import catalogue
from iam_access_mock.policy.evaluator import (
    _ANY,
    _SEGMENT_ANY,
    _SEGMENT_STAR,
    _STAR,
    _STARS,
    _contains,
    _intersects,
    _Tokens,
    allowed_actions,
    compile_policy,
)
from iam_access_mock.policy.wildcard import Wildcard

PROFILE = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# ---- action patterns ----------------------------------------------------------------------------


def reference_match(pattern: str, text: str, ignore_case: bool) -> bool:
    """The evaluator's matcher before: a backtracking regex."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(body + r"\Z", flags).match(text) is not None


# The characters re.IGNORECASE equates with ASCII letters, and others that it does not.
UNUSUAL = "\u0130\u0131\u017f\u212a\xe9\xc9\u03bc\n"
PATTERN_CHARS = "aAbBkKsSiI:*?*?" + UNUSUAL
ASCII_TEXT = st.text("aAbBkKsSiI:\n", max_size=12)
ANY_TEXT = st.text("aAbBkKsSiI:" + UNUSUAL, max_size=12)


@PROFILE
@given(st.text(PATTERN_CHARS, max_size=12), st.one_of(ASCII_TEXT, ANY_TEXT), st.booleans())
def test_wildcard_matches_as_the_backtracking_regex(
    pattern: str, text: str, ignore_case: bool
) -> None:
    assert Wildcard(pattern, ignore_case).matches(text) == reference_match(
        pattern, text, ignore_case
    )


@PROFILE
@given(st.text("aAbB*?", min_size=1, max_size=8), st.text("aAbB", max_size=6))
def test_a_text_built_to_match_matches(pieces: str, filler: str) -> None:
    # Replace each "*" by the filler and each "?" by "b": the result must match.
    text = pieces.replace("*", filler).replace("?", "b")
    assert Wildcard(pieces, ignore_case=False).matches(text)
    assert Wildcard(pieces.upper(), ignore_case=True).matches(text.lower())


S3_CHARS = "GgeEtTOobBjJcCLlIiSsPpuU*?"


@settings(PROFILE, max_examples=60)
@given(st.text(S3_CHARS, min_size=1, max_size=10))
def test_the_actions_a_generated_pattern_allows_are_those_the_regex_matches(action: str) -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": f"s3:{action}", "Resource": "*"}],
        }
    )
    expected = {
        name for name in catalogue.actions("s3") if reference_match(action, name.lower(), True)
    }
    assert allowed_actions([compile_policy(text)], "s3") == expected


# ---- resource globs -----------------------------------------------------------------------------


def _absorbs(star: str, token: str) -> bool:
    return star == _STAR or token != ":"


def _overlap(a: str, b: str) -> bool:
    if a == b or a == _ANY or b == _ANY:
        return True
    return (a == _SEGMENT_ANY and b != ":") or (b == _SEGMENT_ANY and a != ":")


def reference_intersects(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """Some string matches both globs: a search over pairs of positions (the former code)."""
    stack = [(0, 0)]
    seen = set()
    left_end, right_end = len(left), len(right)
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == left_end and j == right_end:
            return True
        a = left[i] if i < left_end else None
        b = right[j] if j < right_end else None
        if a in _STARS or b in _STARS:
            if a in _STARS:
                stack.append((i + 1, j))
                if b is not None and (b in _STARS or _absorbs(a, b)):
                    stack.append((i, j + 1))
            if b in _STARS:
                stack.append((i, j + 1))
                if a is not None and (a in _STARS or _absorbs(b, a)):
                    stack.append((i + 1, j))
        elif a is not None and b is not None and _overlap(a, b):
            stack.append((i + 1, j + 1))
    return False


def _covers(outer: str, inner: str) -> bool:
    if outer == _STAR:
        return True
    if outer == _SEGMENT_STAR:
        return inner not in (_STAR, _ANY, ":")
    if inner in _STARS:
        return False
    if outer == _ANY:
        return True
    if outer == _SEGMENT_ANY:
        return inner not in (_ANY, ":")
    return outer == inner


def reference_contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    """Every string of ``inner`` matches ``outer``, as the former search judged it."""
    stack = [(0, 0)]
    seen = set()
    outer_end, inner_end = len(outer), len(inner)
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == outer_end and j == inner_end:
            return True
        if i == outer_end:
            continue
        a = outer[i]
        if a in _STARS:
            stack.append((i + 1, j))
            if j < inner_end and _covers(a, inner[j]):
                stack.append((i, j + 1))
        elif j < inner_end and _covers(a, inner[j]):
            stack.append((i + 1, j + 1))
    return False


TOKENS = st.lists(
    st.sampled_from(["a", "b", ":", "/", _STAR, _SEGMENT_STAR, _ANY, _SEGMENT_ANY]), max_size=12
)


@PROFILE
@given(TOKENS, TOKENS)
def test_intersects_answers_as_the_search(left: list[str], right: list[str]) -> None:
    # Fresh tuples each time: the masks a glob keeps must not carry over between examples.
    assert _intersects(_Tokens(left), _Tokens(right)) == reference_intersects(
        tuple(left), tuple(right)
    )
    assert _intersects(_Tokens(right), _Tokens(left)) == reference_intersects(
        tuple(left), tuple(right)
    )


@PROFILE
@given(TOKENS, TOKENS)
def test_contains_answers_as_the_search(outer: list[str], inner: list[str]) -> None:
    assert _contains(_Tokens(outer), _Tokens(inner)) == reference_contains(
        tuple(outer), tuple(inner)
    )


@PROFILE
@given(TOKENS)
def test_a_glob_contains_and_meets_itself(tokens: list[str]) -> None:
    glob = _Tokens(tokens)
    assert _contains(glob, glob)
    assert _intersects(glob, glob)


# ---- JSON depth ---------------------------------------------------------------------------------


def reference_depth(text: str) -> int:
    """How deep arrays and objects nest, by a lexer reading one character at a time."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


JSON_STRINGS = st.text('ab[]{}"\\/\n\u00e9\U0001f600', max_size=8)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), JSON_STRINGS),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(JSON_STRINGS, children, max_size=3)
    ),
    max_leaves=20,
)


@PROFILE
@given(JSON_VALUES, st.booleans())
def test_the_measured_depth_is_the_lexers(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert bounded_json.nesting_depth(text.encode("utf-8")) == reference_depth(text)


@PROFILE
@given(JSON_VALUES, st.sampled_from(["utf-8", "utf-16", "utf-32-le"]))
def test_loads_is_json_loads_within_the_limit(value: Any, encoding: str) -> None:
    text = json.dumps(value)
    depth = reference_depth(text)
    assert bounded_json.loads(text.encode(encoding), max_depth=depth) == json.loads(text)
    if depth:
        with pytest.raises(bounded_json.JsonTooDeep):
            bounded_json.loads(text, max_depth=depth - 1)

"""Which characters each wire format can carry in a string.

A string the mock accepts is stored and later written into responses, so a request may only
store text its protocol's responses can carry: XML 1.0 (query) forbids most C0 control
characters, lone surrogates and U+FFFE/U+FFFF, even as character references
(https://www.w3.org/TR/xml/#charsets); UTF-8 JSON (json, rest-json) cannot encode a lone
surrogate. ``constraints.check`` applies the rule of the request's protocol to every string
member; the Python API (``aws.jobs.fail_next``) applies the XML rule to its texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TextRule:
    """The characters one protocol's responses can carry.

    ``forbidden`` finds a character outside the rule; ``pattern`` is the rule as AWS quotes
    a pattern in a validation message (Java syntax).
    """

    name: str
    forbidden: re.Pattern[str]
    pattern: str

    def allows(self, text: str) -> bool:
        # ``isprintable`` (C speed) is true only for text without control, format, surrogate,
        # unassigned or line/paragraph-separator characters, all of which the rules allow
        # but the first: the regex runs only for the rare rest.
        return text.isprintable() or self.forbidden.search(text) is None

    def first_forbidden(self, text: str) -> int | None:
        """The index of the first character outside the rule, or None."""
        found = self.forbidden.search(text)
        return None if found is None else found.start()

    def make_safe(self, text: str) -> str:
        """``text`` with every character outside the rule replaced by U+FFFD."""
        return text if self.allows(text) else self.forbidden.sub("\ufffd", text)


# The Char production of XML 1.0: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF].
XML_TEXT = TextRule(
    "XML 1.0",
    re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"),
    r"[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\x{10000}-\x{10FFFF}]*",
)

# Unicode scalar values: everything but the surrogate code points.
UTF8_TEXT = TextRule(
    "UTF-8",
    re.compile("[\ud800-\udfff]"),
    r"[\u0000-\uD7FF\uE000-\uFFFF\x{10000}-\x{10FFFF}]*",
)


def describe_forbidden(rule: TextRule, text: str) -> str | None:
    """Why ``text`` breaks ``rule`` (naming the first bad character), or None if it does not."""
    if rule.allows(text):
        return None
    index = rule.first_forbidden(text)
    assert index is not None
    return f"character U+{ord(text[index]):04X} at index {index} cannot be written in {rule.name}"

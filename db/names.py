"""What a person's name may contain (issue 10: a patient stored as "Jane Doe" with a
right-to-left override shows as "Jane Doe" beside the real one, and a user named like the
console's own actor reads as the system in the audit trail).

A name is text a person reads: letters, marks, digits, punctuation, symbols and spaces. Refused
are the characters that are invisible or change how the text around them is shown: control
characters (Unicode category Cc), format characters (Cf: the bidirectional embeddings,
overrides, isolates and marks, zero-width spaces, tags), surrogates, private-use and unassigned
code points, and line or paragraph separators. The only format characters allowed are the
zero-width non-joiner and joiner between two non-ASCII letters, where scripts such as Persian,
Malayalam or Devanagari spell names with them; next to a Latin letter they only hide a
difference.
"""

from __future__ import annotations

import unicodedata

from db.errors import InvalidRecordError

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner, zero-width joiner


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unassigned')}"


def _joins_letters(text: str, i: int) -> bool:
    """A joiner between two letters of a non-Latin script (neither of them ASCII)."""
    if i == 0 or i == len(text) - 1:
        return False
    before, after = text[i - 1], text[i + 1]
    return all(not c.isascii() and unicodedata.category(c)[0] in "LM" for c in (before, after))


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that a name may not hold, described (``U+202E
    RIGHT-TO-LEFT OVERRIDE``), or None."""
    for i, ch in enumerate(text):
        if unicodedata.category(ch) not in _REFUSED_CATEGORIES:
            continue
        if ch in _JOINERS and _joins_letters(text, i):
            continue
        return _describe(ch)
    return None


def refuse_hidden_characters(text: str, field: str) -> str:
    """``text`` unchanged, or :class:`InvalidRecordError` naming the hidden character."""
    found = hidden_character(text)
    if found is not None:
        raise InvalidRecordError(
            f"contains {found}, an invisible or direction-changing character: a name holds "
            "printable, visible characters only",
            field,
        )
    return text

"""Text that reads exactly like other text: the look-alike letters of the Latin, Cyrillic and
Greek scripts, fullwidth and other compatibility forms, and the dashes and quotes that stand for
ASCII ones. An account named "itb-cоnsole" with a Cyrillic "о" reads as the console's own actor
in the audit trail, and a patient id "МRN-0042" with a Cyrillic "М" is a second record nobody
can tell from "MRN-0042" and that a search for it does not find.

:func:`skeleton` is what a reader sees: the text in Unicode compatibility form (NFKC: fullwidth
"ｉ" is "i", the Kelvin sign is "K", a no-break space is a space), each look-alike letter or
punctuation mark replaced by the ASCII one it passes for, and case folded. Two texts with the
same skeleton cannot be told apart on screen. The table is a compact, built-in subset of
Unicode's confusables (UTS #39, confusables.txt): the Cyrillic and Greek letters that look like
Latin ones in common fonts, and the dashes, minus signs and quotes; ASCII-only pairs ("0" and
"O", "l" and "1") are not folded, since real ids and names hold both and a font tells them apart.

:func:`mixed_scripts` names the scripts of a text that mixes Latin, Cyrillic and Greek letters:
a real name is written in one of them, a spoof borrows a letter from another.

:func:`patient_id_problem` is the rule for a new patient id: printable ASCII (letters, digits,
punctuation, inner spaces), the characters of the hospital numbers the id holds (product.md,
"Programme file": "MRN-0042"); the patient's name stays free Unicode text (Zoë Lefèvre). It is
applied where a record is created (db/patient_changes.py ``create``: the form, an import, a
first save), not to the programme file format, so that a record stored before the rule still
exports and saves (every save reads its canonical file text back).
"""

from __future__ import annotations

import unicodedata

# Look-alikes and the ASCII letter they pass for, both cases (compared after folding case, so
# a Cyrillic capital "М" and a Latin "m" meet once "М" has become "M").
_CYRILLIC = {
    "А": "A", "а": "a", "В": "B", "Е": "E", "е": "e", "Ё": "E", "ё": "e", "К": "K", "к": "k",
    "М": "M", "м": "m", "Н": "H", "н": "h", "О": "O", "о": "o", "Р": "P", "р": "p", "С": "C",
    "с": "c", "Т": "T", "т": "t", "Х": "X", "х": "x", "У": "Y", "у": "y", "Ү": "Y", "ү": "y",
    "І": "I", "і": "i", "Ї": "I", "ї": "i", "Ј": "J", "ј": "j", "Ѕ": "S", "ѕ": "s", "Һ": "H",
    "һ": "h", "Ԁ": "D", "ԁ": "d", "Ԛ": "Q", "ԛ": "q", "Ԝ": "W", "ԝ": "w", "Ӏ": "I", "ӏ": "l",
    "Ь": "b", "ь": "b", "Ѵ": "V", "ѵ": "v", "Ѡ": "W", "ѡ": "w", "Ғ": "F", "Ә": "E", "ә": "e",
}  # fmt: skip
_GREEK = {
    "Α": "A", "α": "a", "Β": "B", "β": "b", "Ε": "E", "ε": "e", "Ζ": "Z", "Η": "H", "Ι": "I",
    "ι": "i", "Κ": "K", "κ": "k", "Μ": "M", "Ν": "N", "ν": "v", "Ο": "O", "ο": "o", "Ρ": "P",
    "ρ": "p", "Τ": "T", "τ": "t", "Υ": "Y", "υ": "u", "Χ": "X", "χ": "x", "ϲ": "c", "Ϲ": "C",
    "ϳ": "j", "Ϳ": "J", "ω": "w", "ς": "c", "ί": "i", "ό": "o", "ύ": "u",
}  # fmt: skip
_PUNCTUATION = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2043": "-", "\u2212": "-", "\u058a": "-", "\u02d7": "-", "\u2796": "-", "\u30fc": "-",
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "\u02b9": "'",
    "\u201c": '"', "\u201d": '"', "\u2033": '"',
    "\u00b7": ".", "\u2027": ".", "\u2219": ".", "\u30fb": ".", "\u0589": ":", "\u2236": ":",
    "\u2215": "/", "\u2044": "/", "\u29f8": "/", "\u0131": "i",
}  # fmt: skip
_SKELETON = str.maketrans({**_CYRILLIC, **_GREEK, **_PUNCTUATION})

# The scripts whose letters pass for each other's (the first word of a letter's Unicode name).
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def skeleton(text: str) -> str:
    """What ``text`` reads as: compatibility form, look-alikes replaced by the ASCII character
    they pass for, case folded (two texts with one skeleton look the same on screen)."""
    return unicodedata.normalize("NFKC", text).translate(_SKELETON).casefold()


def mixed_scripts(text: str) -> tuple[str, ...]:
    """The scripts among Latin, Cyrillic and Greek whose letters ``text`` holds, when it holds
    more than one of them (``("LATIN", "CYRILLIC")``); empty for a text written in one."""
    found = {
        unicodedata.name(ch, "").split(" ", 1)[0]
        for ch in text
        if unicodedata.category(ch).startswith("L")
    }
    scripts = tuple(script for script in _CONFUSABLE_SCRIPTS if script in found)
    return scripts if len(scripts) > 1 else ()


def compatibility_character(text: str) -> str | None:
    """The first character of ``text`` that Unicode's compatibility form (NFKC) replaces by
    another (fullwidth "ｉ", the Kelvin sign, a no-break space, ligatures), described as
    ``U+FF49 FULLWIDTH LATIN SMALL LETTER I``, or None."""
    for ch in text:
        if unicodedata.normalize("NFKC", ch) != ch:
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"
    return None


PATIENT_ID_RULE = (
    "a patient id holds plain ASCII letters, digits, punctuation and inner spaces only "
    "(as a hospital number is written: MRN-0042)"
)


def patient_id_problem(text: str) -> str | None:
    """Why ``text`` cannot be a patient id (:data:`PATIENT_ID_RULE`), naming the first
    character that is not printable ASCII, or None."""
    for ch in text:
        if not " " <= ch <= "~":
            name = unicodedata.name(ch, "unnamed") if ch.isprintable() else "not printable"
            return f"contains U+{ord(ch):04X} {name}: {PATIENT_ID_RULE}"
    return None

"""Patient search as you type (product.md, "Patient browser"): by name or id, by the start of any
word, whatever the accents ("Zoe" finds "Zoë", "mull" finds "Müller").

Names and ids are folded in Python (case, accents, a few letters Unicode does not decompose)
before they enter the FTS5 index, and the typed text is folded the same way; the index also uses
``remove_diacritics 2`` as a second net. Each typed word becomes a prefix term, and all must match
(in the name or the id), so "ann ber" finds "Anna Berger".

A prefix that most patients share ("m" when every id starts "MRN") makes the index hand back
tens of thousands of rows to be sorted for one page. For those, patients are read in name order,
no further than the first :data:`SCAN_ROWS`, keeping the matching ones: when common matches are
spread through the alphabet that fills the page at once; when they are not, the sorted index
matches are used after all. Either way the page is the same.
"""

from __future__ import annotations

import re
import unicodedata

# Letters with no Unicode decomposition that a clinician would still type without the accent.
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "đ": "d", "ł": "l", "ı": "i"}
)
_WORD = re.compile(r"[^\W_]+")
# From this many index matches on, first try reading patients in name order (at most SCAN_ROWS
# of them, a few milliseconds) rather than sorting every match.
COMMON_MATCHES = 10_000
SCAN_ROWS = 3_000


def fold(text: str) -> str:
    """Lower case without accents: the form both index and query are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_EXTRA_FOLDS)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def name_terms(name: str) -> str:
    """The indexed text for a name."""
    return " ".join(words(name))


def id_terms(patient_id: str) -> str:
    """The indexed text for an id: its parts, and the parts run together, so "MRN-0042",
    "mrn 00" and "mrn00" all find it."""
    parts = words(patient_id)
    joined = "".join(parts)
    return " ".join([*parts, joined] if len(parts) > 1 else parts)


def scan_text(name: str, patient_id: str) -> str:
    """Every indexed word of a patient, each after a space, for the scan that serves very
    common prefixes (``LIKE '% term%'`` finds the same patients as the index does)."""
    return " " + name_terms(name) + " " + id_terms(patient_id)


def like_patterns(text: str) -> list[str]:
    """One ``LIKE`` pattern per typed word: the word starts a word of :func:`scan_text`. Words
    hold letters and digits only, so they never contain ``%`` or ``_``."""
    return [f"% {term}%" for term in words(text)]


def sort_key(name: str) -> str:
    """How names are ordered in the results: folded, so "Zoë" sorts with "Zoe"."""
    return " ".join(words(name))


def match_query(text: str) -> str | None:
    """The FTS5 MATCH expression for typed ``text``, or None when it holds no word at all.
    Every word is quoted, so FTS5 syntax typed by accident (AND, quotes, *) stays literal."""
    terms = words(text)
    if not terms:
        return None
    return " ".join(f'"{term}"*' for term in terms)

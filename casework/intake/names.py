"""Name normalisation for search and duplicate detection: pure functions, no database.

A person's name is recorded twice, in Arabic script and in Latin letters, by different
caseworkers from different documents. The same name is spelled many ways, so search and
duplicate detection never compare what was typed: they compare *matching keys*, computed
here and stored on each person (see :func:`person_name_columns`).

Arabic key (:func:`normalise_arabic`)
-------------------------------------
1. Unicode NFKC (presentation forms such as the lam-alef ligature become letters).
2. Diacritics (harakat) are removed: fatha, damma, kasra, tanwin, shadda, sukun, maddah,
   hamza above/below marks, superscript alef, Quranic annotation marks.
3. Tatweel (ـ) is removed.
4. Alef forms أ إ آ ٱ become ا; ta marbuta ة becomes ه; alef maqsura ى becomes ي;
   hamza on waw ؤ becomes و, hamza on ya ئ becomes ي; a lone hamza ء is dropped
   (علاء and علا are both written for Alaa). Persian/Kurdish keyboard forms ی ک become ي ك.
5. Arabic-Indic and extended Arabic-Indic digits become ASCII digits.
6. Punctuation becomes a space; spaces are collapsed.
7. Word rules, for matching only:
   - ``عبد`` and ``ابو`` are joined to the next word, without its article
     (عبد الرحمن = عبدالرحمن = عبدرحمن, ابو بكر = ابوبكر), because both spellings are
     common and they are one name;
   - the definite article ``ال`` is dropped from the start of every word that keeps at
     least two letters (الحسن = حسن, الأحمد = احمد). Family names are written with and
     without it (الخليل / خليل) and the Latin side drops al-/el- too; the price is
     that a name differing only by the article is treated as the same, which a
     search box and a duplicate *candidate* list can afford. ``الله`` is kept;
   - the connectives ``بن`` / ``ابن`` / ``بنت`` (son / daughter of) are dropped.

:func:`fold_arabic` applies steps 1-6 only (for display-neutral comparisons).

Latin key (:func:`normalise_latin`)
-----------------------------------
1. NFKD, accents stripped, casefolded; apostrophes and ayn/hamza marks (' ` ʿ ʾ ’) removed.
2. Article prefixes dropped: ``al-``, ``el-``, ``ul-`` and ``Al ``/``El `` as separate
   words, and the assimilated forms before sun letters (``ar-Rahman``, ``ash-Shami``,
   ``ad-Din``, ``as-Sayed``).
3. ``bin``, ``ben``, ``ibn``, ``bint`` are dropped; ``Abd``/``Abdul``/``Abdel``/``Abdal``
   are joined to the next word and ``Abdul-``/``Abdel-``/``Abdur-`` inside a word become
   ``abd`` (Abdul Rahman = Abd al-Rahman = Abdelrahman = Abdurrahman); ``Abu``/``Abou``
   are joined to the next word. ``Mhd``/``Mohd`` (common abbreviations) mean Muhammad.
4. Consonants: ``kh`` -> x (خ), ``sh``/``ch`` -> c (ش; French ch: Rachid = Rashid),
   ``gh`` -> g, ``th`` -> t, ``dh`` -> d, ``ph`` -> f, ``dj`` -> j, ``q``/``ck``/``c`` -> k
   (ق and ك are confused in transliteration: Qasim = Kassem); initial ``ou`` before a
   vowel is w (Oualid = Walid).
5. Vowels: ``ee`` is i; ``ae`` is ai (Raed = Ra'id, Saeed = Said); a run of vowels that
   mixes a/e/o with i/y is the diphthong ``ai`` (Hussein = Husain = Husayn, kept apart from
   Hassan); every other vowel run is ``a``. Short vowels are not written in Arabic and
   transliterators disagree on them (Mohammed/Muhammad/Mohamad, Khalid/Khaled,
   Yusuf/Yousef, Omar/Umar all agree this way). ``y`` before a consonant or at a word's
   end is a vowel.
6. A word-final ``h`` after a vowel is dropped (Fatimah = Fatima); doubled letters are
   collapsed (Hassan = Hasan).

So Mohammed, Muhammad, Mohamad, Mohamed, Muhammed, Mohammad all give ``mahamad`` (and
Mahmoud gives ``mahmad``: a different name stays different).

Blocking keys (:func:`name_skeleton`)
------------------------------------
For duplicate blocking, a name is reduced to its consonant skeleton in one alphabet, from
either script: Arabic letters map to Latin consonants, long vowels (ا و ي), ayn and hamza
are dropped, as are the vowels, w and y of the Latin key. محمد and Mohammed both give
``mhmd``; خالد and Khaled give ``xld``. The given name's skeleton, per script, is indexed
with the incident; the whole name's skeleton with the birth year.
"""

from __future__ import annotations

import re
import unicodedata

# -- Arabic -------------------------------------------------------------------------------

_ARABIC_LETTER_MAP = str.maketrans(
    {
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0672": "\u0627",  # ٲ -> ا
        "\u0673": "\u0627",  # ٳ -> ا
        "\u0629": "\u0647",  # ة -> ه
        "\u0649": "\u064a",  # ى -> ي
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
        "\u0621": None,  # ء dropped
        "\u06cc": "\u064a",  # ی (Persian/Kurdish yeh) -> ي
        "\u06a9": "\u0643",  # ک (keheh) -> ك
        "\u0640": None,  # tatweel
    }
)
_ARABIC_DIGITS = str.maketrans(
    {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}
)
# Harakat and tanwin (064B-065F), superscript alef (0670), Quranic marks (0610-061A, 06D6-06ED).
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NOT_WORD = re.compile(r"[\W_]+")

_AR_ARTICLE = "\u0627\u0644"  # ال
_AR_ALLAH = "\u0627\u0644\u0644\u0647"  # الله
_AR_JOINED_PREFIXES = frozenset({"\u0639\u0628\u062f", "\u0627\u0628\u0648"})  # عبد ابو
# عبدالرحمن written as one word: the article inside goes too (but not in عبدالله).
_AR_JOINED_ARTICLE = re.compile("^(\u0639\u0628\u062f|\u0627\u0628\u0648)\u0627\u0644(?!\u0644\u0647)(?=..)")
_AR_CONNECTIVES = frozenset({"\u0628\u0646", "\u0627\u0628\u0646", "\u0628\u0646\u062a"})  # بن ابن بنت


def fold_arabic(text: str | None) -> str:
    """Orthographic folding only: letter forms, diacritics, tatweel, digits, spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate(_ARABIC_LETTER_MAP).translate(_ARABIC_DIGITS)
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def _drop_arabic_article(word: str) -> str:
    if word.startswith(_AR_ARTICLE) and len(word) >= 4 and not word.startswith(_AR_ALLAH):
        return word[2:]
    return word


def normalise_arabic(text: str | None) -> str:
    """The Arabic matching key of a name (see the module documentation for the rules)."""
    words = [w for w in fold_arabic(text).split() if w not in _AR_CONNECTIVES]
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _AR_JOINED_PREFIXES and index + 1 < len(words):
            word += _drop_arabic_article(words[index + 1])
            index += 1
        else:
            word = _AR_JOINED_ARTICLE.sub(r"\1", word)
        joined.append(_drop_arabic_article(word))
        index += 1
    return " ".join(joined)


# -- Latin --------------------------------------------------------------------------------

_APOSTROPHES = re.compile("['`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4]")
# al-Hassan, el Sayed, Al Ali; ar-Rahman, ash-Shami, ad-Din (assimilated article).
_LATIN_ARTICLE = re.compile(r"(?<![a-z])(?:(?:al|el|ul)[\s-]+|[aeu]([tdrzsn]h?)-(?=\1))(?=[a-z])")
_LATIN_CONNECTIVES = frozenset({"bin", "ben", "ibn", "bint", "bent"})
_ABD_WORDS = frozenset({"abd", "abdul", "abdel", "abdal", "abdil", "abdol", "abdoul"})
_ABU_WORDS = frozenset({"abu", "abou", "abo"})
_ABD_PREFIX = re.compile(r"^abd(?:[aeiou]{1,2}l|[aeiou]{1,2}(?=([tdrzsn])\1))?")
_MUHAMMAD_ABBREVIATIONS = frozenset({"mhd", "mohd", "muhd", "md"})
_DIGRAPHS = [
    ("x", "ks"),
    ("kh", "x"),
    ("sh", "c"),
    ("ch", "c"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("dj", "j"),
    ("q", "k"),
]
_INITIAL_W = re.compile(r"^ou(?=[aeiy])")
_Y_VOWEL = re.compile(r"y(?![aeiou])")
_VOWEL_RUN = re.compile(r"[aeiou]+")
_DOUBLE = re.compile(r"(.)\1+")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _vowel_class(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) > 1 and "i" in run and run[0] != "i":
        return "ai"
    return "a"


def _latin_word_key(word: str) -> str:
    if word in _MUHAMMAD_ABBREVIATIONS:
        word = "muhammad"
    word = _ABD_PREFIX.sub("abd", word)
    word = _INITIAL_W.sub("w", word)
    # "c" alone is k; keep the digraph results apart from it by mapping plain c first.
    word = re.sub(r"c(?!h)", "k", word)
    for spelled, key in _DIGRAPHS:
        word = word.replace(spelled, key)
    word = _DOUBLE.sub(r"\1", word.replace("ee", "i").replace("ae", "ai"))
    if len(word) > 1:
        word = word[0] + _Y_VOWEL.sub("i", word[1:])
    word = _VOWEL_RUN.sub(_vowel_class, word)
    if len(word) > 2 and word.endswith("ah"):
        word = word[:-1]
    return _DOUBLE.sub(r"\1", word)


def normalise_latin(text: str | None) -> str:
    """The Latin matching key of a transliterated name (rules in the module documentation)."""
    if not text:
        return ""
    text = _APOSTROPHES.sub("", _strip_accents(text).casefold())
    text = _NOT_WORD.sub(lambda m: "-" if m.group(0) == "-" else " ", text)
    text = _LATIN_ARTICLE.sub("", text)
    words = [w for w in text.replace("-", " ").split() if w not in _LATIN_CONNECTIVES]
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if (word in _ABD_WORDS or word in _ABU_WORDS) and index + 1 < len(words):
            word = ("abd" if word in _ABD_WORDS else word) + words[index + 1]
            index += 1
        joined.append(word)
        index += 1
    return " ".join(key for key in (_latin_word_key(w) for w in joined) if key)


# -- cross-script skeletons for blocking ----------------------------------------------------

_ARABIC_TO_SKELETON = str.maketrans(
    {
        "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "d",
        "ر": "r", "ز": "z", "س": "s", "ش": "c", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
        "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
        "ا": None, "و": None, "ي": None, "ع": None, "ى": None, "ء": None,
    }
)
_LATIN_SKELETON_DROP = re.compile(r"[aeiouwy]")
_NOT_SKELETON = re.compile(r"[^a-z0-9]")


def _skeleton(word: str) -> str:
    word = _DOUBLE.sub(r"\1", _NOT_SKELETON.sub("", word))
    if len(word) > 1 and word.endswith("h"):
        word = word[:-1]
    return word


def name_skeleton(key: str, arabic: bool) -> list[str]:
    """The consonant skeleton of each word of a matching key (from either script)."""
    if arabic:
        words = [w.translate(_ARABIC_TO_SKELETON) for w in key.split()]
    else:
        words = [_LATIN_SKELETON_DROP.sub("", w) for w in key.split()]
    return [s for s in (_skeleton(w) for w in words) if s]


KEY_LENGTH = 40
FULL_KEY_LENGTH = 120
FULL_KEY_WORDS = 4


def _given_key(skeleton: list[str]) -> str | None:
    return skeleton[0][:KEY_LENGTH] if skeleton else None


def person_name_columns(name_ar: str | None, name_latin: str | None) -> dict[str, str | None]:
    """The normalised columns a Person row stores for these names.

    - ``name_ar_norm`` / ``name_latin_norm``: the matching keys, searched and compared;
    - ``name_key_ar`` / ``name_key_latin``: the given name's skeleton from each script,
      indexed with the incident for duplicate blocking;
    - ``full_name_key``: the skeleton of the first four words (Arabic when present),
      indexed with the birth year to find the same person across incidents.
    """
    ar_norm = normalise_arabic(name_ar)
    latin_norm = normalise_latin(name_latin)
    ar_skeleton = name_skeleton(ar_norm, arabic=True)
    latin_skeleton = name_skeleton(latin_norm, arabic=False)
    full = ar_skeleton or latin_skeleton
    return {
        "name_ar_norm": ar_norm[:200] or None,
        "name_latin_norm": latin_norm[:200] or None,
        "name_key_ar": _given_key(ar_skeleton),
        "name_key_latin": _given_key(latin_skeleton),
        "full_name_key": " ".join(full[:FULL_KEY_WORDS])[:FULL_KEY_LENGTH] or None,
    }


def full_name_keys(name_ar: str | None, name_latin: str | None) -> set[str]:
    """Every whole-name skeleton of a person (one per script) to look the stored key up with."""
    keys = set()
    for key, arabic in ((normalise_arabic(name_ar), True), (normalise_latin(name_latin), False)):
        skeleton = name_skeleton(key, arabic)
        if skeleton:
            keys.add(" ".join(skeleton[:FULL_KEY_WORDS])[:FULL_KEY_LENGTH])
    return keys

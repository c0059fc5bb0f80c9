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

The variant table (:data:`NAME_VARIANTS`)
------------------------------------------
The rules above unify most spellings of a name, not all: a dropped vowel (Fatma, Amna), a
written ``y`` (Maryam / Mariam, Ziyad / Ziad), the Egyptian ``g`` (Gamal), Turkish and
French spellings (Ahmet, Youcef, Yacine), Arabic spellings with or without a long vowel (داود /
داوود, اسمعيل / إسماعيل). The table lists common names, one row per name: its Arabic
spellings and its Latin ones, the first of each being the name's key. Each spelling's key
by the rules is replaced by its row's key, so every listed spelling gives the same stored
key (search finds Fatma under Fatima). Changing the table changes stored keys: a migration
must recompute the persons it touches (as migration 0011 does, with
:func:`variant_keys`).

The table also tells names apart. Names that are close letter by letter are often
different names (Hassan and Hussein, Muhammad and Mahmoud, Samir and Sami): two words
that are both listed, under different names, are different names, however similar they
look. A key some names share in Latin letters (Ali and Alaa both give ``ala``, Omar and
Ammar ``amar``) belongs to each of them: it cannot tell them apart, the Arabic can.

Graded similarity (:func:`compare_names`)
------------------------------------------
Duplicate scoring compares two persons' names by similarity (0-1), in Arabic when both
records have it, else in Latin, else across the scripts (one record in Arabic only, the
other in Latin only):

- words: equal keys, or the same listed name, 1; different listed names, 0; otherwise
  Jaro-Winkler similarity (rapidfuzz) of the keys (across scripts, of the skeletons,
  times 0.9: consonants alone say less); Arabic words alike but for their dots are a
  slip of the pen (0.9);
- the given name (the first word) carries 60 %: given names less similar than
  :data:`GIVEN_NAME_FLOOR` are different names, and the rest of the names can then give
  at most a hint (brothers share their father's and family names);
- the rest (father, grandfather, family) carries 40 %, words aligned in order, a word
  matching another at :data:`WORD_FLOOR` or more: a word missing from one record (a
  father's name left out) costs little, a word that differs (another father) costs twice
  what a match gains, since cousins share given and family names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler

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


def normalise_arabic(text: str | None, *, variants: bool = True) -> str:
    """The Arabic matching key of a name (see the module documentation for the rules);
    `variants=False` leaves out the variant table (the keys before migration 0011)."""
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
    if variants:
        joined = [_ARABIC_VARIANTS.get(word, word) for word in joined]
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


def normalise_latin(text: str | None, *, variants: bool = True) -> str:
    """The Latin matching key of a transliterated name (rules in the module documentation);
    `variants=False` leaves out the variant table (the keys before migration 0011)."""
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
    keys = [key for key in (_latin_word_key(w) for w in joined) if key]
    if variants:
        keys = [_LATIN_VARIANTS.get(key, key) for key in keys]
    return " ".join(keys)


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


def person_name_columns(name_ar: str | None, name_latin: str | None, *,
                        variants: bool = True) -> dict[str, str | None]:
    """The normalised columns a Person row stores for these names.

    - ``name_ar_norm`` / ``name_latin_norm``: the matching keys, searched and compared;
    - ``name_key_ar`` / ``name_key_latin``: the given name's skeleton from each script,
      indexed with the incident for duplicate blocking;
    - ``full_name_key``: the skeleton of the first four words (Arabic when present),
      indexed with the birth year to find the same person across incidents.
    """
    ar_norm = normalise_arabic(name_ar, variants=variants)
    latin_norm = normalise_latin(name_latin, variants=variants)
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
    return full_name_keys_of(normalise_arabic(name_ar), normalise_latin(name_latin))


def full_name_keys_of(name_ar_norm: str | None, name_latin_norm: str | None) -> set[str]:
    """:func:`full_name_keys` from the matching keys a person already stores."""
    keys = set()
    for key, arabic in ((name_ar_norm, True), (name_latin_norm, False)):
        skeleton = name_skeleton(key or "", arabic)
        if skeleton:
            keys.add(" ".join(skeleton[:FULL_KEY_WORDS])[:FULL_KEY_LENGTH])
    return keys


# -- the variant table ----------------------------------------------------------------------

# One row per name: its Arabic spellings, then its Latin ones ("/" between spellings); the
# first of each is the name's key. Family names made from a given name (al-Hassan) are the
# given name's row. A Latin spelling may stand in several rows (Hassan is حسن and حسان).
NAME_VARIANTS: tuple[tuple[str, str], ...] = (
    # Men's names.
    ("محمد", "Muhammad/Mohammed/Mohamed"),
    ("أحمد", "Ahmad/Ahmed/Ahmet"),
    ("محمود", "Mahmoud/Mahmud/Mahmood"),
    ("حامد", "Hamid/Hamed"),
    ("حمد", "Hamad"),
    ("خالد", "Khaled/Khalid"),
    ("خليل", "Khalil"),
    ("عمر", "Omar/Umar/Omer"),
    ("عمار", "Ammar"),
    ("علي", "Ali/Aly"),
    ("علاء", "Alaa"),
    ("حسن", "Hassan/Hasan"),
    ("حسان", "Hassan"),
    ("حسين", "Hussein/Husain/Hussain/Husayn/Hossein/Hüseyin"),
    ("إبراهيم/ابرهيم", "Ibrahim/Ebrahim/Brahim"),
    ("يوسف", "Yusuf/Youssef/Yousef/Yousif/Youcef"),
    ("مصطفى", "Mustafa/Mostafa/Moustafa/Mustapha"),
    ("عبد الله", "Abdullah/Abdallah"),
    ("عبد الرحمن", "Abdulrahman/Abdelrahman/Abdurrahman"),
    ("عبد القادر", "Abdulqader/Abdelkader"),
    ("عبد الكريم", "Abdulkarim/Abdelkarim"),
    ("عبد العزيز", "Abdulaziz/Abdelaziz"),
    ("سعيد", "Saeed/Said"),
    ("سعد", "Saad"),
    ("جاسم", "Jasim/Jassem"),
    ("فيصل", "Faisal/Faysal"),
    ("سليمان", "Suleiman/Sulayman/Sulaiman"),
    ("رامي", "Rami"),
    ("وليد", "Walid/Waleed"),
    ("ماجد", "Majed/Majid"),
    ("طارق", "Tariq/Tarek"),
    ("زياد", "Ziad/Ziyad/Zyad"),
    ("نبيل", "Nabil/Nabeel"),
    ("عماد", "Imad/Emad"),
    ("قاسم", "Qasim/Kassem"),
    ("ياسر", "Yasser/Yasir"),
    ("هشام", "Hisham/Hesham"),
    ("بشير", "Bashir/Basheer"),
    ("صالح", "Saleh/Salih"),
    ("منير", "Munir/Mounir"),
    ("رياض", "Riyad/Riyadh/Riad"),
    ("رعد", "Raad"),
    ("عادل", "Adel/Adil"),
    ("فراس", "Firas"),
    ("غسان", "Ghassan"),
    ("أنس", "Anas"),
    ("بلال", "Bilal/Belal"),
    ("جمال", "Jamal/Gamal"),
    ("جميل", "Jamil/Jameel"),
    ("كمال", "Kamal"),
    ("سليم", "Salim/Saleem"),
    ("عدنان", "Adnan"),
    ("مراد", "Murad/Mourad"),
    ("نزار", "Nizar"),
    ("شادي", "Shadi/Shady"),
    ("جهاد", "Jihad/Gihad"),
    ("سامي", "Sami/Samy"),
    ("سمير", "Samir"),
    ("أمين", "Amin/Ameen"),
    ("كريم", "Karim/Kareem"),
    ("ناصر", "Nasser/Nasir"),
    ("رشيد", "Rashid/Rachid"),
    ("داود/داوود", "Dawud/Dawood/Daoud/Daud"),
    ("إسماعيل/اسمعيل", "Ismail/Ismael"),
    ("إسحاق/اسحق", "Ishaq/Ishak"),
    ("موسى", "Musa/Mousa/Moussa"),
    ("عيسى", "Issa/Eisa/Isa"),
    ("يحيى/يحيا/يحي", "Yahya/Yehia/Yahia"),
    ("زكريا", "Zakaria/Zakariya/Zakariyya"),
    ("عثمان", "Othman/Uthman/Osman"),
    ("أسامة", "Osama/Usama"),
    ("حمزة", "Hamza"),
    ("طه/طاها", "Taha"),
    ("ياسين", "Yassin/Yaseen/Yacine"),
    ("مازن", "Mazen"),
    ("هاني", "Hani/Hany"),
    ("أيمن", "Ayman"),
    ("إياد", "Iyad/Eyad"),
    ("فادي", "Fadi/Fady"),
    ("فؤاد", "Fouad/Fuad"),
    ("وائل", "Wael/Wail"),
    ("رائد", "Raed/Raid"),
    ("مهند", "Muhannad/Mohannad"),
    ("حازم", "Hazem/Hazim"),
    ("بسام", "Bassam"),
    ("وسام", "Wissam/Wesam"),
    ("معاذ", "Muadh/Moaz/Mouaz"),
    ("فرج", "Faraj/Farag"),
    # Women's names.
    ("فاطمة", "Fatima/Fatma/Fatme/Fatemeh"),
    ("مريم", "Maryam/Mariam/Meryem"),
    ("عائشة", "Aisha/Aysha/Ayesha/Aicha"),
    ("خديجة", "Khadija/Khadidja"),
    ("زينب", "Zainab/Zeinab/Zaynab/Zenab"),
    ("نور", "Nour/Nur/Noor"),
    ("هدى", "Huda/Hoda"),
    ("سلمى", "Salma"),
    ("ليلى", "Layla/Leila"),
    ("رنا", "Rana"),
    ("رانيا", "Rania/Ranya"),
    ("سارة", "Sara/Sarah"),
    ("آمنة", "Amina/Amna"),
    ("أمينة", "Amina/Ameena"),
    ("رقية", "Ruqayya/Roqaya"),
    ("حليمة", "Halima"),
    ("سعاد", "Suad/Souad"),
    ("وفاء", "Wafa/Wafaa"),
    ("دعاء", "Duaa/Doaa"),
    ("ياسمين", "Yasmin/Yasmine/Yasmeen"),
    ("رهف", "Rahaf"),
    ("جنى", "Jana"),
    ("بتول", "Batoul/Batul"),
    ("غادة", "Ghada"),
    ("نادية", "Nadia/Nadiya"),
    ("ندى", "Nada"),
    ("سميرة", "Samira"),
    ("لمى", "Lama"),
    ("شيماء", "Shaimaa/Shayma"),
    ("إيمان", "Iman/Eman"),
    ("أمل", "Amal"),
    ("هبة", "Heba/Hiba"),
    ("منى", "Mona/Muna"),
    ("رشا", "Rasha"),
    ("ريم", "Reem/Rim"),
    ("هالة", "Hala"),
    ("سوسن", "Sawsan/Sausan"),
    ("إسراء", "Israa/Esraa"),
    ("أسماء", "Asmaa/Asma"),
    ("داليا", "Dalia/Dalya"),
    ("حنان", "Hanan"),
    ("سناء", "Sanaa/Sana"),
)


def _variant_maps() -> tuple[dict[str, str], dict[str, str], dict[str, frozenset[int]]]:
    """From the table: the Arabic and the Latin keys (by the rules) to rewrite, each to its
    row's key, and every key's rows (the names it may be).

    A Latin key that is some row's own key, or that two rows would rewrite differently, is
    left as it is and belongs to each of those rows: the rules gave two names one key (Riad
    is رياض, Raad رعد, both ``rad``). An Arabic key belongs to one row only.
    """
    rewrites: dict[str, dict[str, set[str]]] = {"arabic": {}, "latin": {}}
    names: dict[str, set[int]] = {}
    for row, (arabic_spellings, latin_spellings) in enumerate(NAME_VARIANTS):
        for script, spellings, normalise in (("arabic", arabic_spellings, normalise_arabic),
                                             ("latin", latin_spellings, normalise_latin)):
            keys = [normalise(spelling, variants=False) for spelling in spellings.split("/")]
            if any(" " in key or not key for key in keys):
                raise ValueError(f"each spelling must give one word: {spellings}")
            for key in keys:
                rewrites[script].setdefault(key, set()).add(keys[0])
                names.setdefault(key, set()).add(row)
    own_keys = {key for script in rewrites.values() for key, targets in script.items()
                if key in targets}
    maps = []
    for script, keys in rewrites.items():
        rewrite = {}
        for key, targets in keys.items():
            if key in own_keys:
                continue
            if len(targets) > 1:
                if script == "arabic":
                    raise ValueError(f"the Arabic key {key} stands for several names")
                continue
            [rewrite[key]] = targets
        maps.append(rewrite)
    for key, rows in names.items():
        if len(rows) > 1 and _is_arabic(key):
            raise ValueError(f"the Arabic key {key} stands for several names")
    # A rewritten key is stored as its row's key: it names what that key names.
    for rewrite in maps:
        for key, target in rewrite.items():
            names[target] |= names.pop(key)
    arabic, latin = maps
    return arabic, latin, {key: frozenset(rows) for key, rows in names.items()}


def _is_arabic(word: str) -> bool:
    return not word.isascii()


_ARABIC_VARIANTS, _LATIN_VARIANTS, _NAMES_OF_KEY = _variant_maps()


def variant_keys() -> set[str]:
    """Every key, by the rules alone, that the variant table rewrites, and what it becomes:
    the stored names to recompute when the table changes (migration 0011)."""
    return {*_ARABIC_VARIANTS, *_ARABIC_VARIANTS.values(), *_LATIN_VARIANTS,
            *_LATIN_VARIANTS.values()}


# -- graded similarity ----------------------------------------------------------------------

# Given names less similar than this are different names.
GIVEN_NAME_FLOOR = 0.85
# Words of the rest of the names less similar than this are not the same word. Short
# names one letter apart are most often two names (احمد / حمود, Kurdi / Bakri: 0.83).
WORD_FLOOR = 0.9
# Two Arabic words written alike but for their dots (الزعبي / الزغبي) are taken for a slip
# of the pen at least this similar.
DOT_SLIP = 0.9
GIVEN_WEIGHT = 0.6
# When the given names differ, the rest of the names can give at most this much.
DIFFERENT_GIVEN_WEIGHT = 0.4
# When one record has nothing after the given name: the names agree as far as they go.
NOTHING_TO_COMPARE = 0.75
# A differing word costs this many matches; a word only one record has, this much of one.
CONFLICT_WEIGHT = 2.0
OMISSION_WEIGHT = 0.1
# Across scripts an unlisted word is compared by its consonants alone.
ACROSS_SCRIPTS_WEIGHT = 0.9


# Arabic letters by their shape without dots (the rasm): letters told apart by dots alone.
_DOTLESS = str.maketrans({
    "ب": "ٮ", "ت": "ٮ", "ث": "ٮ", "ن": "ٮ", "ي": "ى",
    "ج": "ح", "خ": "ح", "ذ": "د", "ز": "ر", "ش": "س", "ض": "ص", "ظ": "ط", "غ": "ع",
    "ف": "ٯ", "ق": "ٯ",
})


@lru_cache(maxsize=65536)
def word_similarity(left: str, right: str) -> float:
    """0..1: two words' keys of one script, or one of each (see the module documentation)."""
    if left == right:
        return 1.0
    left_names, right_names = _NAMES_OF_KEY.get(left), _NAMES_OF_KEY.get(right)
    if left_names and right_names:
        return 1.0 if left_names & right_names else 0.0
    left_arabic, right_arabic = _is_arabic(left), _is_arabic(right)
    if left_arabic == right_arabic:
        similarity = JaroWinkler.normalized_similarity(left, right)
        if left_arabic and left.translate(_DOTLESS) == right.translate(_DOTLESS):
            return max(similarity, DOT_SLIP)
        return similarity
    left_skeleton = "".join(name_skeleton(left, arabic=left_arabic))
    right_skeleton = "".join(name_skeleton(right, arabic=right_arabic))
    return ACROSS_SCRIPTS_WEIGHT * JaroWinkler.normalized_similarity(left_skeleton, right_skeleton)


def _chain_similarity(left: Sequence[str], right: Sequence[str],
                      similarity: Callable[[str, str], float]) -> float:
    """The names after the given name, aligned word by word in order (father before
    grandfather before family): matches gain, differing words cost, missing ones little."""
    if not left or not right:
        return NOTHING_TO_COMPARE
    # best[i][j]: (similarity summed, words matched) over left[:i] and right[:j].
    best = [[(0.0, 0)] * (len(right) + 1) for _ in range(len(left) + 1)]
    for i, left_word in enumerate(left, 1):
        for j, right_word in enumerate(right, 1):
            best[i][j] = max(best[i - 1][j], best[i][j - 1])
            score = similarity(left_word, right_word)
            if score >= WORD_FLOOR:
                total, matched = best[i - 1][j - 1]
                best[i][j] = max(best[i][j], (total + score, matched + 1))
    total, matched = best[-1][-1]
    if not matched:
        return 0.0
    unmatched_left, unmatched_right = len(left) - matched, len(right) - matched
    conflicts = min(unmatched_left, unmatched_right)
    omissions = abs(unmatched_left - unmatched_right)
    return total / (matched + CONFLICT_WEIGHT * conflicts + OMISSION_WEIGHT * omissions)


def name_similarity(left: Sequence[str], right: Sequence[str]) -> float:
    """0..1: how alike two names are, given as the words of their keys (either script)."""
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    given = word_similarity(left[0], right[0])
    rest = _chain_similarity(left[1:], right[1:], word_similarity)
    if given < GIVEN_NAME_FLOOR:
        return DIFFERENT_GIVEN_WEIGHT * rest if rest != NOTHING_TO_COMPARE else 0.0
    return GIVEN_WEIGHT * given + (1 - GIVEN_WEIGHT) * rest


@dataclass(frozen=True)
class NameComparison:
    """One comparison of two persons' names: "arabic", "latin" or "across" scripts;
    `counts` for the one duplicate scoring takes."""

    script: str
    similarity: float
    counts: bool = False


def compare_names(left_ar: str | None, left_latin: str | None, right_ar: str | None,
                  right_latin: str | None) -> list[NameComparison]:
    """Compare two persons' names from their keys (``name_ar_norm``, ``name_latin_norm``):
    in each script both have, or across the scripts when they share none.

    The Arabic counts when both have it: it keeps what Latin keys fold away (short vowels:
    Hadi and Haddad, Jamal and Jamil give close keys), and it is what the family's papers
    say; the Latin is compared and shown beside it."""
    pairs = [(script, left, right) for script, left, right in (
        ("arabic", left_ar, right_ar), ("latin", left_latin, right_latin)) if left and right]
    if not pairs:
        left, right = left_ar or left_latin, right_ar or right_latin
        if not (left and right):
            return []
        pairs = [("across", left, right)]
    return [NameComparison(script, name_similarity(left.split(), right.split()), index == 0)
            for index, (script, left, right) in enumerate(pairs)]

"""The name normalisation rules, one table row per rule (casework.intake.names)."""

import pytest

from casework.intake.names import (
    fold_arabic,
    full_name_keys,
    name_skeleton,
    normalise_arabic,
    normalise_latin,
    person_name_columns,
    variant_keys,
    word_similarity,
)

ARABIC_RULES = [
    # (rule, written, another spelling of the same name)
    ("alef with hamza above", "أحمد", "احمد"),
    ("alef with hamza below", "إبراهيم", "ابراهيم"),
    ("alef with madda", "آمنة", "امنة"),
    ("alef wasla", "ٱلرقة", "الرقة"),
    ("ta marbuta", "فاطمة", "فاطمه"),
    ("alef maqsura", "مصطفى", "مصطفي"),
    ("hamza on waw", "مؤمن", "مومن"),
    ("hamza on ya", "عائشة", "عايشة"),
    ("lone hamza", "علاء", "علا"),
    ("fatha, damma, kasra", "مُحَمِد", "محمد"),
    ("shadda", "محمّد", "محمد"),
    ("sukun", "أحْمد", "احمد"),
    ("tanwin", "سعيدٌ", "سعيد"),
    ("superscript alef", "رحمٰن", "رحمن"),
    ("tatweel", "محـــمد", "محمد"),
    ("Persian yeh and keheh", "علی کریم", "علي كريم"),
    ("definite article", "الحسن", "حسن"),
    ("definite article in a family name", "محمد الخليل", "محمد خليل"),
    ("abd joined to the next word", "عبد الرحمن", "عبدالرحمن"),
    ("abu joined to the next word", "أبو بكر", "ابوبكر"),
    ("connective bin", "محمد بن علي", "محمد علي"),
    ("spaces collapsed", "  محمد   علي ", "محمد علي"),
]


@pytest.mark.parametrize(("rule", "written", "variant"), ARABIC_RULES, ids=[r[0] for r in ARABIC_RULES])
def test_arabic_spelling_variants_have_the_same_key(rule, written, variant):
    assert normalise_arabic(written) == normalise_arabic(variant)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("مُحَمَّد", "محمد"),
        ("فاطمة", "فاطمه"),
        ("مصطفى", "مصطفي"),
        ("الحسن", "حسن"),
        ("عبد الله", "عبدالله"),
        ("الله", "الله"),
        ("٢٠١٧ ۱۲", "2017 12"),
    ],
)
def test_arabic_keys(written, key):
    assert normalise_arabic(written) == key


def test_fold_arabic_keeps_the_article_and_words():
    assert fold_arabic("الحَسَن بن عليّ") == "الحسن بن علي"


def test_different_arabic_names_keep_different_keys():
    assert normalise_arabic("حسن") != normalise_arabic("حسين")
    assert normalise_arabic("محمد") != normalise_arabic("محمود")


LATIN_VARIANTS = [
    ("Muhammad", ["Mohammed", "Mohamad", "Mohamed", "Muhammed", "Mohammad", "Mouhamad", "Mhd"]),
    ("Hassan", ["al-Hassan", "el-Hassan", "Al Hassan", "El Hasan", "AL-HASSAN", "Hasan"]),
    ("Sayyid", ["as-Sayyid", "El Sayed", "Sayed"]),
    ("Abd al-Rahman", ["Abdul Rahman", "Abdelrahman", "Abdurrahman", "'Abd al-Rahman",
                       "Abd-al-Rahman"]),
    ("Abdullah", ["Abdallah", "Abd Allah", "Abdellah"]),
    ("Khalid", ["Khaled"]),
    ("Qasim", ["Kassem", "Kasim"]),
    ("Yusuf", ["Yousef", "Youssef"]),
    ("Omar", ["Umar"]),
    ("Hussein", ["Husain", "Hussain", "Husayn"]),
    ("Raed", ["Ra'id", "Raid"]),
    ("Saeed", ["Said", "Sa'id"]),
    ("Fatima", ["Fatimah", "Fâtima"]),
    ("Rashid", ["Rachid"]),
    ("Walid", ["Waleed", "Oualid"]),
    ("Zainab", ["Zeinab", "Zaynab"]),
    ("Ibrahim", ["Ebraheem"]),
    ("Aisha", ["Aïcha", "Aysha"]),
    ("Ahmed Ali", ["Ahmad bin Ali", "Ahmed ibn Ali"]),
]


@pytest.mark.parametrize(("name", "variants"), LATIN_VARIANTS, ids=[v[0] for v in LATIN_VARIANTS])
def test_latin_transliteration_variants_have_the_same_key(name, variants):
    for variant in variants:
        assert normalise_latin(variant) == normalise_latin(name), variant


def test_mohammed_variants_give_one_key():
    assert normalise_latin("Mohammed") == "mahamad"


def test_different_latin_names_keep_different_keys():
    assert normalise_latin("Mohammed") != normalise_latin("Mahmoud")
    assert normalise_latin("Hassan") != normalise_latin("Hussein")
    assert normalise_latin("Ali") != normalise_latin("Alexander")


def test_article_is_only_removed_as_a_prefix():
    # "Ali" and "Alaa" start with "al" but have no article.
    assert normalise_latin("Ali") == "ala"
    assert normalise_latin("Al Ali") == "ala"


def test_empty_names_give_empty_keys():
    assert normalise_arabic(None) == normalise_latin(None) == ""
    assert normalise_arabic("  ") == normalise_latin(" - ") == ""


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("محمد", "Mohammed"),
        ("خالد", "Khaled"),
        ("يوسف", "Yusuf"),
        ("عبد الرحمن", "Abdul Rahman"),
        ("عبدالله", "Abdullah"),
        ("فاطمة", "Fatima"),
        ("حسين", "Hussein"),
        ("أبو الحسن", "Abu al-Hassan"),
    ],
)
def test_the_two_scripts_share_a_consonant_skeleton(arabic, latin):
    assert name_skeleton(normalise_arabic(arabic), arabic=True) == name_skeleton(
        normalise_latin(latin), arabic=False
    )


def test_person_name_columns():
    columns = person_name_columns("مُحَمَّد أحمد الحسن", "Mohammed Ahmed al-Hassan")
    assert columns == {
        "name_ar_norm": "محمد احمد حسن",
        "name_latin_norm": "mahamad ahmad hasan",
        "name_key_ar": "mhmd",
        "name_key_latin": "mhmd",
        "full_name_key": "mhmd hmd hsn",
    }
    assert full_name_keys("محمد أحمد الحسن", "Muhammad Ahmad Hasan") == {"mhmd hmd hsn"}


def test_person_name_columns_of_a_name_in_one_script_only():
    columns = person_name_columns(None, "Fatima Ali")
    assert columns["name_ar_norm"] is None and columns["name_key_ar"] is None
    assert columns["name_key_latin"] == "ftm" and columns["full_name_key"] == "ftm l"


# -- the variant table ------------------------------------------------------------------------

TABLE_VARIANTS = [
    # Spellings of one name that the rules alone keep apart, and a few they already unify.
    ("Fatima", ["Fatma", "Fatme", "Fatemeh", "Fatimah"]),
    ("Ahmad", ["Ahmed", "Ahmet"]),
    ("Hussein", ["Hussain", "Husayn", "Husain", "Hossein", "Hüseyin"]),
    ("Muhammad", ["Mohammed", "Mohamed"]),
    ("Abdullah", ["Abdallah"]),
    ("Mahmoud", ["Mahmud", "Mahmood"]),
    ("Mustafa", ["Mostafa", "Moustafa", "Mustapha"]),
    ("Youssef", ["Yousef", "Yusuf", "Yousif", "Youcef"]),
    ("Khaled", ["Khalid"]),
    ("Omar", ["Umar", "Omer"]),
    ("Aisha", ["Aysha", "Ayesha", "Aicha"]),
    ("Zainab", ["Zeinab", "Zaynab", "Zenab"]),
    ("Maryam", ["Mariam", "Meryem"]),
    ("Amina", ["Amna"]),
    ("Ziad", ["Ziyad", "Zyad"]),
    ("Jamal", ["Gamal"]),
    ("Yahya", ["Yehia", "Yahia"]),
    ("Ibrahim", ["Brahim", "Ebrahim"]),
    ("Othman", ["Osman", "Uthman"]),
    ("Dawud", ["Daoud", "Dawood", "Daud"]),
    ("al-Faraj", ["Al Farag"]),
]


@pytest.mark.parametrize(("name", "variants"), TABLE_VARIANTS, ids=[v[0] for v in TABLE_VARIANTS])
def test_the_variant_table_gives_each_spelling_the_names_key(name, variants):
    for variant in variants:
        assert normalise_latin(variant) == normalise_latin(name), variant


@pytest.mark.parametrize(("written", "variant"), [
    ("داود", "داوود"),
    ("إسماعيل", "اسمعيل"),
    ("إسحاق", "اسحق"),
    ("يحيى", "يحيا"),
    ("يحيى", "يحي"),
    ("طه", "طاها"),
    ("إبراهيم", "ابرهيم"),
])
def test_the_variant_table_unifies_arabic_spellings(written, variant):
    assert normalise_arabic(variant) == normalise_arabic(written)


def test_the_variant_table_keeps_the_keys_of_the_names_first_spellings():
    # Stored keys change only for the spellings the rules kept apart.
    assert normalise_latin("Fatima Ahmad") == normalise_latin("Fatima Ahmad", variants=False)
    assert normalise_latin("Fatma") == "fatama" and normalise_latin("Fatma", variants=False) == "fatma"
    assert normalise_arabic("داوود", variants=False) == "داوود"
    assert {"fatma", "fatama", "داوود", "داود"} <= variant_keys()


def test_the_variant_table_does_not_rewrite_a_key_two_names_share():
    # Riad is رياض and Raad رعد: the rules give both "rad", which stays as it is.
    assert normalise_latin("Riad") == normalise_latin("Raad") == "rad"
    assert word_similarity("rad", normalise_latin("Riyad")) == 1.0


def test_listed_names_stay_apart_however_alike():
    for left, right in [("Hassan", "Hussein"), ("Mohammed", "Mahmoud"), ("Sami", "Samir"),
                        ("Khaled", "Khalil"), ("Ahmad", "Hamed")]:
        assert word_similarity(normalise_latin(left), normalise_latin(right)) == 0.0, left
    for left, right in [("حسن", "حسين"), ("محمد", "محمود"), ("عمر", "عمار"), ("علي", "علاء")]:
        assert word_similarity(normalise_arabic(left), normalise_arabic(right)) == 0.0, left


def test_a_listed_name_matches_its_spelling_in_the_other_script():
    assert word_similarity(normalise_arabic("فاطمة"), normalise_latin("Fatma")) == 1.0
    assert word_similarity(normalise_arabic("حسين"), normalise_latin("Hassan")) == 0.0
    # Latin "Ali" may be علي or علاء: it cannot refuse either.
    assert word_similarity(normalise_arabic("علاء"), normalise_latin("Ali")) == 1.0


def test_unlisted_names_are_graded_by_jaro_winkler():
    similarity = word_similarity(normalise_latin("Khadija"), normalise_latin("Kadija"))
    assert 0.85 < similarity < 1.0
    assert word_similarity("خلف", normalise_latin("Khalaf")) == pytest.approx(0.9)


def test_arabic_words_alike_but_for_their_dots_are_a_slip_of_the_pen():
    assert word_similarity(normalise_arabic("الزعبي"), normalise_arabic("الزغبي")) >= 0.9
    # One letter apart otherwise: most often two names.
    assert word_similarity(normalise_arabic("أحمد"), normalise_arabic("حمود")) < 0.9

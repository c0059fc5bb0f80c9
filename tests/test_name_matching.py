"""Graded name similarity for duplicate scoring, measured on labelled pairs of names.

Each row is a pair of names that a caseworker could meet in two registrations, labelled
"same" (one person's name, spelled or recorded otherwise) or "different" (two people);
the negatives are the hard ones: brothers and sisters sharing their father's and family
names, cousins sharing a given and a family name, twins named Hassan and Hussein, common
names. The similarity is the one duplicate scoring uses
(:func:`casework.intake.names.compare_names`, the comparison that counts) and the line is
the one it uses (:data:`casework.duplicates.candidates.NAME_MATCH_THRESHOLD`).
"""

from __future__ import annotations

import pytest

from casework.duplicates.candidates import NAME_MATCH_THRESHOLD, NAME_POINTS, name_points
from casework.intake.names import compare_names, normalise_arabic, normalise_latin

SAME, DIFFERENT = True, False

# (one record's name, the other's, same person's name?, why). Arabic-script names are
# recorded as Arabic, Latin ones as Latin; a pair of one of each is compared across scripts.
LABELLED_PAIRS = [
    # -- Latin, the same name ---------------------------------------------------------------
    ("Fatma Ahmed el-Ali", "Fatima Ahmad al-Ali", SAME, "the issue's example"),
    ("Mohammed Khaled al-Hassan", "Muhammad Khalid Al Hasan", SAME, "vowels, article"),
    ("Hussein Ali al-Omar", "Husayn Aly Al Umar", SAME, "Hussein/Husayn, Omar/Umar"),
    ("Abdullah Mahmoud al-Jasim", "Abdallah Mahmud Al Jassem", SAME, "abd-, vowels"),
    ("Mustafa Youssef al-Khalil", "Mostafa Yusuf El Khalil", SAME, "Youssef/Yusuf"),
    ("Khaled Omar al-Saleh", "Khalid Umar Al Salih", SAME, "vowels"),
    ("Aisha Hamid al-Hussein", "Aysha Hamed Al Husain", SAME, "Aisha/Aysha"),
    ("Zainab Abdulrahman al-Ibrahim", "Zeinab Abd al-Rahman Al Ebrahim", SAME, "abd al-"),
    ("Maryam Jamal al-Rashid", "Mariam Gamal Al Rachid", SAME, "Egyptian g, French ch"),
    ("Yousef Ahmad", "Yusuf Ahmed", SAME, "two words"),
    ("Ahmad Mohammed al-Najjar", "Ahmed Mohamed Najar", SAME, "doubled letters"),
    ("Omar Hassan al-Ali", "Omar al-Ali", SAME, "father left out"),
    ("Fatima Khalil Ahmad al-Hamoud", "Fatima Khalil al-Hamoud", SAME, "grandfather left out"),
    ("Ziad Riyad al-Darwish", "Ziyad Riyadh Darwish", SAME, "written y"),
    ("Amna Ibrahim al-Faraj", "Amina Brahim Al Farag", SAME, "dropped vowel, Brahim"),
    ("Ruqayya Saeed al-Bakri", "Roqaya Said Bakri", SAME, "vowels"),
    ("Yahya Ismail al-Sheikh", "Yehia Ismael El Sheikh", SAME, "Yahya/Yehia"),
    ("Nadia Suleiman al-Kurdi", "Nadiya Sulayman Kurdi", SAME, "written y"),
    ("Abdulkader Hisham al-Khatib", "Abdelkader Hesham Khateeb", SAME, "abdel-, ee"),
    ("Khadija Mahmoud al-Zoubi", "Kadija Mahmud al-Zoubi", SAME, "kh typed k"),
    ("Loujain Tarek Shaalan", "Lujain Tariq Shalan", SAME, "names not in the table"),
    ("Dawud Salim al-Hammadi", "Daoud Saleem Hamadi", SAME, "Dawud/Daoud"),
    # -- Latin, two people ----------------------------------------------------------------
    ("Hassan Ahmad al-Ali", "Hussein Ahmad al-Ali", DIFFERENT, "twins"),
    ("Mohammed Ali al-Hassan", "Mahmoud Ali al-Hassan", DIFFERENT, "brothers"),
    ("Fatima Ahmad al-Ali", "Fatima Hasan al-Ali", DIFFERENT, "cousins"),
    ("Fatima Ahmad al-Ali", "Aisha Ahmad al-Ali", DIFFERENT, "sisters"),
    ("Yusuf Ibrahim al-Khalil", "Yusuf Ibrahim al-Hamoud", DIFFERENT, "another family"),
    ("Ahmad Mohammed al-Jasim", "Hamed Mohammed al-Jasim", DIFFERENT, "brothers, alike names"),
    ("Sami Walid al-Omar", "Samir Walid al-Omar", DIFFERENT, "brothers, alike names"),
    ("Mohammed Ahmad Hasan al-Ali", "Mohammed Ahmad Mahmoud al-Ali", DIFFERENT,
     "cousins: another grandfather"),
    ("Khaled Abdullah al-Hussein", "Khalil Abdullah al-Hussein", DIFFERENT, "brothers"),
    ("Mohammed Khaled", "Mohammed Walid", DIFFERENT, "common name, another father"),
    ("Ziad Imad al-Ahmad", "Ziad Emad al-Hammoud", DIFFERENT, "namesakes of two families"),
    ("Omar Ali al-Kurdi", "Omar Ali al-Bakri", DIFFERENT, "namesakes of two families"),
    ("Ahmad Mohammed al-Ahmad", "Mohammed Ahmad al-Ahmad", DIFFERENT, "father and son"),
    ("Abdulrahman Omar Darwish", "Abdulkarim Omar Darwish", DIFFERENT, "brothers, abd-"),
    ("Ali Hussein al-Rifai", "Alaa Hussein al-Rifai", DIFFERENT,
     "brothers; Ali and Alaa share one Latin key (known limit)"),
    ("Rakan Omar al-Hassan", "Rayan Omar al-Hassan", DIFFERENT,
     "brothers, names not in the table"),
    ("Omar Khaled al-Saleh", "Ammar Khaled al-Saleh", DIFFERENT,
     "brothers; Omar and Ammar share one Latin key (known limit)"),
    # -- Arabic, the same name ------------------------------------------------------------
    ("فاطمة أحمد العلي", "فاطمه احمد العلي", SAME, "ta marbuta, hamza"),
    ("محمد خالد الحسن", "محمّد خالد حسن", SAME, "shadda, article"),
    ("عائشة حامد الحسين", "عايشة حامد الحسين", SAME, "hamza on ya"),
    ("يحيى إسماعيل الشيخ", "يحيا اسمعيل الشيخ", SAME, "spellings of Yahya, Ismail"),
    ("داود سليم الحمادي", "داوود سليم الحمادي", SAME, "Dawud with two waws"),
    ("عبد الرحمن عمر الدرويش", "عبدالرحمن عمر درويش", SAME, "abd joined, article"),
    ("إبراهيم موسى الكردي", "ابراهيم موسي الكردي", SAME, "alef, alef maqsura"),
    ("زينب عبد الله الجاسم", "زينب عبدالله الجاسم", SAME, "abd joined"),
    ("عمر حسن العلي", "عمر العلي", SAME, "father left out"),
    ("خديجة محمود الزعبي", "خديجة محمود الزغبي", SAME, "a dot missed in the family name"),
    ("طه أحمد البكري", "طاها أحمد البكري", SAME, "Taha spelled out"),
    ("حسين علي بن عمر", "حسين علي عمر", SAME, "bin"),
    # -- Arabic, two people ---------------------------------------------------------------
    ("حسن أحمد العلي", "حسين أحمد العلي", DIFFERENT, "twins"),
    ("محمد علي الحسن", "محمود علي الحسن", DIFFERENT, "brothers"),
    ("فاطمة أحمد العلي", "فاطمة حسن العلي", DIFFERENT, "cousins"),
    ("عمر خالد الصالح", "عمار خالد الصالح", DIFFERENT, "brothers, alike names"),
    ("علي حسين الرفاعي", "علاء حسين الرفاعي", DIFFERENT, "brothers, alike names"),
    ("سامي وليد العمر", "سمير وليد العمر", DIFFERENT, "brothers, alike names"),
    ("أحمد محمد الأحمد", "محمد أحمد الأحمد", DIFFERENT, "father and son"),
    ("خالد عبد الله الحسين", "خليل عبد الله الحسين", DIFFERENT, "brothers"),
    ("يوسف إبراهيم الخليل", "يوسف إبراهيم الحمود", DIFFERENT, "another family"),
    ("محمد أحمد حسن العلي", "محمد أحمد محمود العلي", DIFFERENT, "cousins: another grandfather"),
    ("مريم خالد", "مريم وليد", DIFFERENT, "common name, another father"),
    ("زياد عماد الأحمد", "زياد عماد الحمود", DIFFERENT, "namesakes of two families"),
    ("جاسم صالح الكردي", "جاسم صالح البكري", DIFFERENT, "namesakes of two families"),
    ("جمال يوسف الكردي", "جميل يوسف الكردي", DIFFERENT, "brothers, alike names"),
    ("راكان عمر الحسن", "ريان عمر الحسن", DIFFERENT, "brothers, names not in the table"),
    # -- across the scripts: one record in Arabic only, the other in Latin only ------------
    ("فاطمة أحمد العلي", "Fatma Ahmed el-Ali", SAME, "across, the issue's example"),
    ("محمد خالد الحسن", "Mohammed Khaled al-Hassan", SAME, "across"),
    ("يوسف أحمد", "Yousef Ahmad", SAME, "across, two words"),
    ("حسين علي العمر", "Husayn Ali al-Omar", SAME, "across"),
    ("زينب عبد الرحمن", "Zeinab Abdelrahman", SAME, "across, abd"),
    ("خلف الدرويش", "Khalaf Darwish", SAME, "across, a name not in the table"),
    ("جمال يوسف", "Gamal Youssef", SAME, "across, Egyptian g"),
    ("حسن أحمد العلي", "Hussein Ahmad al-Ali", DIFFERENT, "across, twins"),
    ("محمد علي", "Mahmoud Ali", DIFFERENT, "across, brothers"),
    ("فاطمة أحمد العلي", "Fatima Hasan al-Ali", DIFFERENT, "across, cousins"),
    ("خالد عبد الله", "Khalil Abdullah", DIFFERENT, "across, brothers"),
    ("عمر خالد", "Ammar Khaled", DIFFERENT,
     "across; Latin Ammar may be عمر or عمار (known limit)"),
]

# Floors for the figures measured at NAME_MATCH_THRESHOLD (reported with the change:
# precision 0.91, recall 1.00 on these 78 pairs; the four misses are marked above: names
# the Latin key cannot tell apart, and two close names the table does not list).
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.95


def _keys(name: str) -> tuple[str | None, str | None]:
    if name.isascii():
        return None, normalise_latin(name)
    return normalise_arabic(name), None


def similarity(left: str, right: str) -> float:
    """As duplicate scoring compares two persons' names (one script each here)."""
    [counted] = [c for c in compare_names(*_keys(left), *_keys(right)) if c.counts]
    return counted.similarity


def test_the_labelled_pairs_are_enough_and_balanced():
    assert len(LABELLED_PAIRS) >= 40
    labels = [same for _left, _right, same, _why in LABELLED_PAIRS]
    assert labels.count(SAME) >= 15 and labels.count(DIFFERENT) >= 15
    scripts = {(left.isascii(), right.isascii()) for left, right, _same, _why in LABELLED_PAIRS}
    assert scripts == {(True, True), (False, False), (False, True)}


def test_precision_and_recall_at_the_threshold_scoring_uses(capsys):
    true_positives = false_positives = false_negatives = 0
    misses = []
    for left, right, same, why in LABELLED_PAIRS:
        taken_for_same = similarity(left, right) >= NAME_MATCH_THRESHOLD
        true_positives += same and taken_for_same
        false_positives += taken_for_same and not same
        false_negatives += same and not taken_for_same
        if taken_for_same != same:
            misses.append(f"{left} / {right}: {similarity(left, right):.2f} ({why})")
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    with capsys.disabled():
        print(f"\nname matching at {NAME_MATCH_THRESHOLD}: precision {precision:.2f}, "
              f"recall {recall:.2f} over {len(LABELLED_PAIRS)} labelled pairs; misses:",
              *misses, sep="\n  ")
    assert precision >= PRECISION_FLOOR, misses
    assert recall >= RECALL_FLOOR, misses


@pytest.mark.parametrize(("left", "right"), [
    ("Fatma Ahmed el-Ali", "Fatima Ahmad al-Ali"),
    ("فاطمة أحمد العلي", "Fatma Ahmed el-Ali"),
])
def test_the_issues_example_scores_the_whole_name(left, right):
    assert name_points(similarity(left, right)) == NAME_POINTS


def test_different_given_names_give_at_most_a_few_points_whatever_the_rest():
    # Brothers: the same father's and family names.
    assert name_points(similarity("Hassan Ahmad al-Ali", "Hussein Ahmad al-Ali")) <= 5
    assert name_points(similarity("محمد علي الحسن", "محمود علي الحسن")) <= 5


def test_a_name_below_the_threshold_counts_less_than_its_likeness():
    cousins = similarity("Fatima Ahmad al-Ali", "Fatima Hasan al-Ali")
    assert cousins < NAME_MATCH_THRESHOLD
    assert name_points(cousins) < round(NAME_POINTS * cousins)


def test_missing_words_cost_less_than_differing_ones():
    left_out = similarity("Omar Hassan al-Ali", "Omar al-Ali")
    another = similarity("Omar Hassan al-Ali", "Omar Khalil al-Ali")
    assert left_out > NAME_MATCH_THRESHOLD > another


def test_the_arabic_counts_when_both_records_have_it():
    """Latin keys fold short vowels: Hadi and Haddad come out close, the Arabic tells."""
    comparisons = compare_names(
        normalise_arabic("جاسم صالح الهادي"), normalise_latin("Jasim Saleh al-Hadi"),
        normalise_arabic("جاسم صالح الحداد"), normalise_latin("Jasim Saleh al-Haddad"))
    assert [(c.script, c.counts) for c in comparisons] == [("arabic", True), ("latin", False)]
    assert comparisons[0].similarity < NAME_MATCH_THRESHOLD <= comparisons[1].similarity

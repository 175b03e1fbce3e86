"""Did you mean, by the catalog's own words: one character wrong or missing is corrected to a
word of the names; right words, and corrections that leave a stray character, are not."""

from __future__ import annotations

from search.spelling import Vocabulary

NAMES = [
    "居民身份证办理（包括临时）",
    "个体工商户营业执照核发",
    "营业性演出许可",
    "乡村建设规划许可证核发",
    "林木采伐许可证核发",
    "建筑工程施工许可证核发",
]


def test_one_character_replaced_is_corrected_to_the_word_of_the_names():
    words = Vocabulary(NAMES)
    assert words.correct("居民身分证") == "居民身份证"
    assert words.correct("居民身分正") is None  # two slips in one word: too far to be sure
    assert words.correct("林木采伐许可正") == "林木采伐许可证"
    assert words.correct("建筑工程施工许可政") == "建筑工程施工许可证"


def test_one_character_missing_is_restored():
    assert Vocabulary(NAMES).correct("营业照") == "营业执照"


def test_right_words_are_never_corrected():
    words = Vocabulary(NAMES)
    for right in ("乡村建设规划许可", "营业执照", "身份证", "林木采伐"):
        assert words.correct(right) is None, right


def test_no_correction_that_leaves_a_stray_character_or_drops_the_users_word():
    words = Vocabulary(["营业性演出许可", "饭店卫生许可"])
    assert words.correct("营业执造") is None  # 营业性造 reads no better than 营业执造
    assert words.correct("开饭店") is None  # not a slip of 饭店: one character more is no slip


def test_the_most_used_word_wins_and_only_han_runs_change():
    words = Vocabulary(["身份证换领", "身份证补领", "身份证挂失", "身价证明"])
    assert words.nearest("身份正")[0] == "身份证"
    assert words.correct("sfz 身份正") == "sfz 身份证"

"""Exact token output of the Chinese analysis, GOV.UK style (spec/integration/schema/
stemming_spec.rb): what each input becomes is written out in full, so any change to
normalisation, segmentation, pinyin or synonyms shows up here as a diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from search.analysis import (
    analyze_for_index,
    analyze_query,
    infix_keys,
    normalize,
    suggest_keys,
    synonyms,
)
from search.highlight import highlight
from search.pinyin import han_syllables, split_syllables
from search.segment import load_dictionary, search_words
from search.synonyms import SYNONYMS_FILE, parse_synonyms


def words(text: str) -> list[str]:
    return [word.text for word in search_words(text)]


# -- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, lower case
        ("護照", "护照"),  # traditional → simplified
        ("身分證", "身分证"),  # t2s changes characters only; the variant word is a synonym
        ("Ｈｕ\u3000Ｚｈａｏ", "hu zhao"),  # ideographic space is a space
        ("《中华人民共和国护照》（普通）【补发】、签发。", "中华人民共和国护照 普通 补发 签发"),
        ("食品(含保健食品)经营许可", "食品 含保健食品 经营许可"),
        ("  ", ""),
    ],
)
def test_normalize(text, normalized):
    assert normalize(text) == normalized


# -- index streams ----------------------------------------------------------------------


def test_passport_index_streams():
    assert analyze_for_index("护照") == {
        "words": "护照",
        "grams": "护照 护 照",
        "pinyin": "hu zhao huzhao",
        "initials": "hz",
    }


def test_traditional_and_simplified_index_alike():
    assert analyze_for_index("護照") == analyze_for_index("护照")
    assert analyze_for_index("戶口遷移") == analyze_for_index("户口迁移")


def test_resident_identity_card_streams():
    assert analyze_for_index("居民身份证") == {
        "words": "居民 身份 身份证 居民身份证",
        "grams": "居民 民身 身份 份证 居 民 身 份 证",
        "pinyin": "ju min shen fen zheng jumin minshen shenfen fenzheng shenfenzheng "
        "juminshenfenzheng",
        "initials": "jm sf sfz jmsfz",
    }


def test_long_words_split_by_their_parts_not_by_straddling_grams():
    # jieba's search mode would emit 身份证 inside 身份证明 (身份 + 证明)
    assert words("临时身份证明") == ["临时", "身份", "证明", "身份证明"]
    assert words("个体工商户设立登记") == [
        "个体",
        "工商",
        "工商户",
        "个体工商户",
        "设立",
        "登记",
        "设立登记",
    ]


def test_user_dictionary_keeps_official_terms_whole():
    assert "互联网上网服务营业场所" in words("互联网上网服务营业场所经营单位设立审批")
    assert "网络预约出租汽车" in words("网络预约出租汽车经营许可")
    dictionary = dict(load_dictionary())
    for term in (
        "居民身份证",
        "营业执照",
        "个体工商户",
        "出租汽车",
        "互联网上网服务营业场所",
        "不动产登记",
    ):
        assert term in dictionary


def test_body_text_keeps_repeats_and_has_no_pinyin_or_single_characters():
    assert analyze_for_index("材料：身份证，身份证复印件", body=True) == {
        "words": "材料 身份 身份证 身份 身份证 复印 复印件",
        "grams": "材料 身份 份证 身份 份证 证复 复印 印件",
    }


def test_latin_and_digits_are_words():
    assert analyze_for_index("ＩＣＰ备案1000人")["words"] == "icp 备案 1000 人"


@pytest.mark.parametrize(
    ("text", "syllables"),
    [
        ("银行", ["yin", "hang"]),
        ("行政处罚", ["xing", "zheng", "chu", "fa"]),
        ("重点", ["zhong", "dian"]),
        ("处理", ["chu", "li"]),
        ("会计", ["kuai", "ji"]),
        ("绿色", ["lv", "se"]),
    ],
)
def test_heteronyms_read_from_their_phrase(text, syllables):
    assert han_syllables(text) == syllables


# -- queries ----------------------------------------------------------------------------


def test_chinese_query_streams():
    query = analyze_query("护照")
    assert not query.is_pinyin
    assert query.streams == {"words": ("护照",), "grams": ("护照",), "pinyin": (), "initials": ()}
    assert query.expansions == ()


def test_one_character_words_are_searched_as_characters():
    assert analyze_query("证").streams["grams"] == ("证",)
    assert analyze_query("开网吧").streams["grams"] == ("开网", "网吧", "开")


@pytest.mark.parametrize("typed", ["huzhao", "hu zhao", "HuZhao", "ｈｕｚｈａｏ", "hu'zhao"])
def test_full_pinyin_query(typed):
    query = analyze_query(typed)
    assert query.is_pinyin
    assert query.streams["pinyin"] == ("huzhao",)
    assert query.streams["initials"] == ()


def test_long_pinyin_query_gives_syllable_pairs():
    query = analyze_query("jiehun dengji")
    assert query.streams["pinyin"] == ("jiehundengji", "jiehun", "hundeng", "dengji")


@pytest.mark.parametrize("typed", ["sfz", "ＳＦＺ", "hkqy"])
def test_initials_query(typed):
    query = analyze_query(typed)
    assert query.is_pinyin
    assert query.streams["pinyin"] == ()
    assert query.streams["initials"] == (normalize(typed),)


@pytest.mark.parametrize("typed", ["护照", "icp备案", "abc123", "80周岁"])
def test_not_pinyin(typed):
    assert not analyze_query(typed).is_pinyin


def test_pinyin_syllable_split():
    assert split_syllables("huzhao") == ("hu", "zhao")
    assert split_syllables("xian") == ("xian",)  # fewest syllables
    assert split_syllables("sfz") is None


def test_query_and_index_pinyin_meet():
    index_tokens = set(analyze_for_index("户口迁移审批")["pinyin"].split())
    assert set(analyze_query("hukou qianyi").streams["pinyin"]) & index_tokens >= {
        "hukou",
        "qianyi",
    }
    index_initials = set(analyze_for_index("户口迁移审批")["initials"].split())
    assert "hkqy" in index_initials


# -- synonyms ---------------------------------------------------------------------------


def expansions(text: str) -> list[tuple[str, str, str]]:
    return [(e.matched, e.replacement, e.variant.text) for e in analyze_query(text).expansions]


def test_variant_is_rewritten_one_way():
    assert expansions("身分证") == [("身分证", "身份证", "身份证")]
    assert expansions("身分證") == [("身分证", "身份证", "身份证")]  # traditional too
    assert ("身份证", "身分证", "身分证") not in expansions("身份证")


@pytest.mark.parametrize(
    ("colloquial", "official"),
    [
        ("网约车", "网络预约出租汽车"),
        ("网吧", "互联网上网服务营业场所"),
        ("个体户", "个体工商户"),
        ("驾照", "机动车驾驶证"),
        ("户口", "户籍"),
        ("结婚证", "结婚登记"),
    ],
)
def test_equivalents_expand_both_ways(colloquial, official):
    assert (colloquial, official, official) in expansions(colloquial)
    assert (official, colloquial, colloquial) in expansions(official)


def test_expansion_rewrites_only_the_matched_term():
    assert expansions("网吧注销") == [
        ("网吧", "互联网上网服务营业场所", "互联网上网服务营业场所注销")
    ]
    variant = analyze_query("网吧注销").expansions[0].variant
    assert "互联网上网服务营业场所" in variant.streams["words"]
    assert "注销" in variant.streams["words"]


def test_longest_term_wins_over_a_term_inside_it():
    found = expansions("机动车驾驶证")
    assert ("机动车驾驶证", "驾照", "驾照") in found
    assert all(matched != "驾驶证" for matched, _, _ in found)


def test_pinyin_query_expands_through_the_synonym_pinyin():
    assert ("wangba", "互联网上网服务营业场所", "互联网上网服务营业场所") in expansions("wangba")
    assert ("wangyueche", "网络预约出租汽车", "网络预约出租汽车") in expansions("wangyueche")


def test_synonym_file_format():
    table = parse_synonyms(
        ["# comment", "", "a, b, c  # trailing comment", "x, y => z", "身分證 => 身份证"], normalize
    )
    assert table == {
        "a": ("b", "c"),
        "b": ("a", "c"),
        "c": ("a", "b"),
        "x": ("z",),
        "y": ("z",),
        "身分证": ("身份证",),
    }
    with pytest.raises(ValueError):
        parse_synonyms(["a =>"], normalize)


def test_synonym_file_has_the_required_groups():
    text = SYNONYMS_FILE.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#")
    table = synonyms().replacements
    assert table["身分证"] == ("身份证",)
    for a, b in [
        ("网约车", "网络预约出租汽车"),
        ("网吧", "互联网上网服务营业场所"),
        ("个体户", "个体工商户"),
    ]:
        assert b in table[a] and a in table[b]


# -- suggestions and highlighting -------------------------------------------------------


def test_suggest_keys():
    assert suggest_keys("普通护照签发") == ["普通护照签发", "putonghuzhaoqianfa", "pthzqf"]
    assert infix_keys("普通护照签发") == [
        "护照签发",
        "huzhaoqianfa",
        "hzqf",
        "签发",
        "qianfa",
        "qf",
    ]
    assert suggest_keys("護照") == suggest_keys("护照")


@pytest.mark.parametrize(
    ("name", "query", "marked"),
    [
        ("普通护照签发", "护照", "普通<mark>护照</mark>签发"),
        ("普通護照签发", "护照", "普通<mark>護照</mark>签发"),  # traditional name, original kept
        ("普通护照签发", "huzhao", "普通<mark>护照</mark>签发"),
        ("居民身份证申领", "sfz", "居民<mark>身份证</mark>申领"),
        ("居民身份证申领", "身分证", "居民<mark>身份证</mark>申领"),
        ("开办互联网上网服务营业场所", "网吧", "开办<mark>互联网上网服务营业场所</mark>"),
        ("Ａ&Ｂ<护照>", "护照", "Ａ&amp;Ｂ&lt;<mark>护照</mark>&gt;"),
        ("结婚登记预约", "無犯罪", "结婚登记预约"),
    ],
)
def test_highlight(name, query, marked):
    assert highlight(name, analyze_query(query)) == marked


def test_overlong_tokens_are_dropped_on_both_sides():
    code = "x" * 70
    assert analyze_for_index(f"{code} 护照")["words"] == "护照"
    assert analyze_query(f"{code} 护照").streams["words"] == ("护照",)


def test_a_worker_loads_the_dictionaries_before_its_first_request() -> None:
    """Importing the app loads no dictionary (jieba and pypinyin are imported on first use);
    gunicorn's master loads them all before it forks (on_starting, deploy/gunicorn.conf.py,
    runs search.query.warm_up), so every worker starts with everything a first search loads."""
    probe = """
import os, runpy, sys, search.segment as segment, search.analysis as analysis, search.pinyin as pinyin
from search import understanding
import catalog
assert "jieba" not in sys.modules and "pypinyin" not in sys.modules, "imported with the app"
config = runpy.run_path("deploy/gunicorn.conf.py")
assert segment._tokenizer is None and analysis.synonyms.cache_info().currsize == 0
config["on_starting"](None)
def loaded_in_a_worker():
    assert segment._tokenizer is not None
    for loaded in (analysis.synonyms, analysis._t2s, understanding.rules, pinyin.syllables):
        assert loaded.cache_info().currsize == 1, loaded
loaded_in_a_worker()
child = os.fork()
if child == 0:
    try:
        loaded_in_a_worker()
    except BaseException:
        os._exit(1)
    os._exit(0)
assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0, "not loaded in a forked worker"
"""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]

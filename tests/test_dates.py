"""The date rules of targets/README.md, one case per rule."""

from datetime import date

import pytest

from taizhang.dates import parse_deadline

ISSUED_2023 = date(2023, 2, 14)


@pytest.mark.parametrize(
    "text, issued, expected",
    [
        ("2022年底前", None, date(2022, 12, 31)),
        ("2022年年底前", None, date(2022, 12, 31)),
        ("2025年底", None, date(2025, 12, 31)),
        ("2023年6月底前", None, date(2023, 6, 30)),
        ("2024年2月底前", None, date(2024, 2, 29)),  # leap year
        ("2022年11月底", None, date(2022, 11, 30)),
        ("2022年8月中旬前", None, date(2022, 8, 20)),
        ("2022年8月上旬前", None, date(2022, 8, 10)),
        ("2022年9月下旬前", None, date(2022, 9, 30)),
        ("2022年7月15日前", None, date(2022, 7, 15)),
        ("2022年10月前", None, date(2022, 10, 31)),
        ("2023年第一季度前", ISSUED_2023, date(2023, 3, 31)),
        ("2023年一季度末", None, date(2023, 3, 31)),
        ("2023年第三季度", None, date(2023, 9, 30)),
        ("2023年上半年", None, date(2023, 6, 30)),
        ("2023年下半年", None, date(2023, 12, 31)),
        ("2023—2024年底前", None, date(2024, 12, 31)),
        ("2023-2024年底前", None, date(2024, 12, 31)),
        ("2023年", None, date(2023, 12, 31)),
        ("8月底前", date(2022, 6, 21), date(2022, 8, 31)),
        ("3月底前", date(2022, 6, 21), date(2023, 3, 31)),  # month already past → next year
        ("完成时限：2022年底前", None, date(2022, 12, 31)),
    ],
)
def test_rules(text, issued, expected):
    assert parse_deadline(text, issued) == expected


@pytest.mark.parametrize("text", ["持续推进", "长期坚持", "年底前", "2022年13月底前", "尽快"])
def test_unreadable_words_give_none(text):
    """Words the rules cannot read give None: the registry then needs an explicit date (never a guess)."""
    assert parse_deadline(text) is None


def test_month_without_year_needs_the_plan_date():
    assert parse_deadline("8月底前") is None

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.municipality import check_digit, has_valid_form, registry


@pytest.mark.parametrize(
    ("code", "name"),
    [("131016", "千代田区"), ("011002", "札幌市"), ("012131", "苫小牧市"), ("472077", "石垣市")],
)
def test_known_codes_have_a_valid_check_digit_and_resolve(code: str, name: str) -> None:
    assert has_valid_form(code)
    assert registry().get(code).name == name


def test_check_digit_is_the_units_digit_of_eleven_minus_the_weighted_sum_mod_eleven() -> None:
    # 1*6 + 3*5 + 1*4 + 0*3 + 1*2 = 27; 27 % 11 = 5; 11 - 5 = 6
    assert check_digit("13101") == 6
    # 0*6+1*5+2*4+1*3+3*2 = 22; remainder 0 -> 11 -> units digit 1
    assert check_digit("01213") == 1


def test_official_list_has_47_prefectures_and_1741_municipalities() -> None:
    reg = registry()
    assert len(reg) == 1741
    assert sum(1 for p in range(1, 48) if reg.is_prefecture(f"{p:02d}")) == 47
    assert all(has_valid_form(m.municipality_id) for m in reg.all())


@pytest.mark.parametrize("code", ["131017", "13101", "1310166", "abcdef", "", "../131016", "１３１０１６"])
def test_bad_form_is_invalid_input(code: str) -> None:
    with pytest.raises(InvalidInput):
        registry().get(code)


def test_valid_form_not_in_the_list_is_not_found() -> None:
    code = "99999" + str(check_digit("99999"))
    assert has_valid_form(code)
    with pytest.raises(NotFound):
        registry().get(code)


def test_prefecture_lists_its_municipalities_only() -> None:
    tokyo = registry().in_prefecture("13")
    assert {m.prefecture_id for m in tokyo} == {"13"}
    assert any(m.name == "千代田区" for m in tokyo)
    assert len(tokyo) == 62

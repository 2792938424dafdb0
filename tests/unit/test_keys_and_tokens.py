import pytest

from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.keys import Principal, Role, hash_key, key_id_of, new_key, parse_scope_entry
from chalicelib.services.tokens import PageTokenCodec


def test_new_keys_are_random_and_carry_their_public_id() -> None:
    (id_a, key_a), (id_b, key_b) = new_key(), new_key()
    assert key_a != key_b and id_a != id_b
    assert key_id_of(key_a) == id_a
    assert hash_key(key_a) != key_a and len(hash_key(key_a)) == 64


@pytest.mark.parametrize("entry", ["*", "13", "01", "47", "131016"])
def test_scope_entries_accept_star_prefectures_and_municipalities(entry: str) -> None:
    assert parse_scope_entry(entry) == entry


@pytest.mark.parametrize("entry", ["48", "00", "131017", "1", "tokyo", ""])
def test_scope_entries_refuse_anything_else(entry: str) -> None:
    with pytest.raises(InvalidInput):
        parse_scope_entry(entry)


def test_principal_scope_covers_its_municipalities_and_prefectures_only() -> None:
    principal = Principal("k", Role.viewer, ("131016", "01"))
    assert principal.covers("131016") and principal.covers("011002")
    assert not principal.covers("131024")
    assert principal.owns("131016") and not principal.owns("011002")
    with pytest.raises(Forbidden):
        principal.require(Role.editor, "131016")
    with pytest.raises(Forbidden):
        principal.require(Role.viewer, "131024")


def test_page_tokens_round_trip_and_refuse_tampering_or_another_query() -> None:
    codec = PageTokenCodec(b"secret")
    token = codec.encode({"after": "01ABC"}, "cats:131016")
    assert token is not None
    assert codec.decode(token, "cats:131016") == {"after": "01ABC"}
    with pytest.raises(InvalidInput):
        codec.decode(token, "cats:131024")
    with pytest.raises(InvalidInput):
        codec.decode(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], "cats:131016")
    with pytest.raises(InvalidInput):
        PageTokenCodec(b"other").decode(token, "cats:131016")
    with pytest.raises(InvalidInput):
        codec.decode("!!!not-base64", "cats:131016")

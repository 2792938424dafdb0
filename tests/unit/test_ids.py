import time

from ulid import ULID

from chalicelib.domain.ids import new_id, ulid_at


def test_new_ids_are_ulids_of_now_that_python_ulid_reads_back() -> None:
    before = time.time()
    value = new_id()
    parsed = ULID.from_str(value)
    assert len(value) == 26 and str(parsed) == value
    assert before - 0.01 <= parsed.timestamp <= time.time() + 0.01


def test_encoding_matches_python_ulid_for_the_same_time_and_randomness() -> None:
    for milliseconds, randomness in [(0, bytes(10)), (1_700_000_000_123, bytes(range(10))), (2**48 - 1, b"\xff" * 10)]:
        expected = ULID.from_bytes(milliseconds.to_bytes(6, "big") + randomness)
        assert ulid_at(milliseconds, randomness) == str(expected)


def test_ids_sort_by_time() -> None:
    earlier = ulid_at(1_700_000_000_000, b"\xff" * 10)
    later = ulid_at(1_700_000_000_001, bytes(10))
    assert earlier < later


def test_ids_made_one_after_another_sort_one_after_another() -> None:
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

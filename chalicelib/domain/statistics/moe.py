"""The Ministry of the Environment's annual intake/outcome table.

環境省「犬・猫の引取り及び負傷動物等の収容並びに処分の状況」 (動物愛護管理行政事務提要), cats only.

Definitions (docs/statistics.md says the same in words):
- An event counts in the fiscal year of its `occurred_on` (a Japan date), with the `age_class` recorded on it.
- 引取り: `intake` events with intake_type owner_surrender (所有者から) or ownerless (所有者不明), by age class.
  `injured` intakes count only as 負傷動物 収容数; `transfer_in` is not a 引取り and counts nowhere here.
- Outcomes count only when the cat was in care just before (`status_before == in_care`): a death outside care
  (a community cat found dead) and a TNR release are not shelter outcomes. An outcome whose
  `latest_intake_type` is `injured` counts in the 負傷動物 block instead of the 引取り block.
- 返還 = return_to_owner; 譲渡 = adoption + transfer_out; 殺処分 ① = euthanasia category 1, ② = category 2,
  ③ = death in care. A release from care (returned to field) has no column in the ministry's table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..base import Model
from ..models import AgeClass, CatStatus, Event, EventType, IntakeType
from .fiscal import in_fiscal_year

# One column per cell, named by its JSON path joined with "_", in the ministry's order (引取り, 返還, 譲渡,
# 殺処分 ①②③, then the 負傷動物 table), with its Japanese CSV header. The analytics SQL produces these columns.
MOE_COLUMN_HEADERS: tuple[tuple[str, str], ...] = (
    ("intake_owner_surrender_adult", "引取り数 所有者から 成熟"),
    ("intake_owner_surrender_juvenile", "引取り数 所有者から 幼齢"),
    ("intake_ownerless_adult", "引取り数 所有者不明 成熟"),
    ("intake_ownerless_juvenile", "引取り数 所有者不明 幼齢"),
    ("intake_total", "引取り数 合計"),
    ("outcome_returned_to_owner_total", "返還数"),
    ("outcome_returned_to_owner_juvenile", "返還数のうち幼齢"),
    ("outcome_adopted_total", "譲渡数"),
    ("outcome_adopted_juvenile", "譲渡数のうち幼齢"),
    ("outcome_euthanized_category_1", "殺処分数 ① 譲渡不適"),
    ("outcome_euthanized_category_2", "殺処分数 ② その他"),
    ("outcome_euthanized_died_in_care", "殺処分数 ③ 引取り後の死亡"),
    ("outcome_euthanized_total", "殺処分数 合計"),
    ("outcome_euthanized_juvenile", "殺処分数のうち幼齢"),
    ("injured_intake", "負傷動物 収容数"),
    ("injured_returned_to_owner", "負傷動物 返還数"),
    ("injured_adopted", "負傷動物 譲渡数"),
    ("injured_euthanized", "負傷動物 殺処分数"),
)
MOE_COLUMNS: tuple[str, ...] = tuple(column for column, _ in MOE_COLUMN_HEADERS)
MOE_CSV_HEADERS: tuple[str, ...] = tuple(header for _, header in MOE_COLUMN_HEADERS)

_ADOPTION_TYPES = frozenset({EventType.adoption, EventType.transfer_out})
_EUTHANIZED_TYPES = frozenset({EventType.euthanasia, EventType.death})


class _Counts(Model):
    model_config = ConfigDict(extra="forbid")


class AgeSplit(_Counts):
    adult: int = Field(default=0, ge=0, description="成熟")
    juvenile: int = Field(default=0, ge=0, description="幼齢 (mainly unweaned)")


class IntakeBlock(_Counts):
    owner_surrender: AgeSplit = Field(default_factory=AgeSplit, description="引取り 所有者から")
    ownerless: AgeSplit = Field(default_factory=AgeSplit, description="引取り 所有者不明")
    total: int = Field(default=0, ge=0, description="Sum of the four cells above")


class InjuredBlock(_Counts):
    intake: int = Field(default=0, ge=0, description="負傷動物 収容数: intakes with intake_type injured")
    returned_to_owner: int = Field(default=0, ge=0, description="返還 of cats whose latest intake was injured")
    adopted: int = Field(default=0, ge=0, description="譲渡 (adoption + transfer_out) of injured-intake cats")
    euthanized: int = Field(default=0, ge=0, description="殺処分 ①+②+③ of injured-intake cats")


class OutcomeCount(_Counts):
    total: int = Field(default=0, ge=0)
    juvenile: int = Field(default=0, ge=0, description="of which juvenile (うち幼齢)")


class EuthanizedBlock(_Counts):
    category_1: int = Field(default=0, ge=0, description="① 譲渡することが適切ではない (euthanasia category 1)")
    category_2: int = Field(default=0, ge=0, description="② ①以外の処分 (euthanasia category 2)")
    died_in_care: int = Field(default=0, ge=0, description="③ 引取り後の死亡 (death while in care)")
    total: int = Field(default=0, ge=0, description="① + ② + ③")
    juvenile: int = Field(default=0, ge=0, description="of which juvenile (うち幼齢)")


class OutcomeBlock(_Counts):
    returned_to_owner: OutcomeCount = Field(default_factory=OutcomeCount, description="返還")
    adopted: OutcomeCount = Field(default_factory=OutcomeCount, description="譲渡 (adoption + transfer_out)")
    euthanized: EuthanizedBlock = Field(default_factory=EuthanizedBlock, description="殺処分 ①②③")


class IntakeOutcomeCells(_Counts):
    """The cells of the table, without its scope."""

    intake: IntakeBlock = Field(default_factory=IntakeBlock)
    injured: InjuredBlock = Field(default_factory=InjuredBlock)
    outcome: OutcomeBlock = Field(default_factory=OutcomeBlock)


class MunicipalityIntakeOutcome(IntakeOutcomeCells):
    municipality_id: str
    fiscal_year: int


class PrefectureIntakeOutcome(IntakeOutcomeCells):
    prefecture_id: str
    fiscal_year: int
    municipalities: list[MunicipalityIntakeOutcome] = Field(
        default_factory=list, description="The tables summed, one per municipality of the prefecture"
    )


def event_cells(event: Event) -> list[str]:
    """The MOE_COLUMNS an event adds one to (empty if it counts nowhere in the table)."""
    juvenile = event.age_class == AgeClass.juvenile
    age = "juvenile" if juvenile else "adult"
    if event.type == EventType.intake:
        if event.intake_type in (IntakeType.owner_surrender, IntakeType.ownerless):
            return [f"intake_{event.intake_type.value}_{age}", "intake_total"]
        if event.intake_type == IntakeType.injured:
            return ["injured_intake"]
        return []
    if event.status_before != CatStatus.in_care:
        return []
    injured = event.latest_intake_type == IntakeType.injured
    if event.type == EventType.return_to_owner:
        return ["injured_returned_to_owner"] if injured else _with_juvenile("outcome_returned_to_owner", juvenile)
    if event.type in _ADOPTION_TYPES:
        return ["injured_adopted"] if injured else _with_juvenile("outcome_adopted", juvenile)
    if event.type in _EUTHANIZED_TYPES:
        if injured:
            return ["injured_euthanized"]
        kind = "died_in_care" if event.type == EventType.death else f"category_{event.category}"
        return [f"outcome_euthanized_{kind}", *_with_juvenile("outcome_euthanized", juvenile)]
    return []


def _with_juvenile(prefix: str, juvenile: bool) -> list[str]:
    return [f"{prefix}_total", f"{prefix}_juvenile"] if juvenile else [f"{prefix}_total"]


def count_cells(events: Iterable[Event], municipality_id: str, fiscal_year: int) -> dict[str, int]:
    """Each of MOE_COLUMNS with its count over the municipality's events in the fiscal year."""
    counts: Counter[str] = Counter()
    for event in events:
        if event.municipality_id == municipality_id and in_fiscal_year(event.occurred_on, fiscal_year):
            counts.update(event_cells(event))
    return {column: counts[column] for column in MOE_COLUMNS}


def cells_model(cells: dict[str, int]) -> IntakeOutcomeCells:
    """The nested table from flat column counts (the inverse of `moe_cells`)."""
    nested: dict[str, Any] = {}
    for column, value in cells.items():
        node = nested
        path = _COLUMN_PATHS[column]
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return IntakeOutcomeCells.model_validate(nested)


def intake_outcome_table(events: Iterable[Event], municipality_id: str, fiscal_year: int) -> MunicipalityIntakeOutcome:
    """The MoE table of one municipality and fiscal year; events of other municipalities or years are ignored."""
    cells = cells_model(count_cells(events, municipality_id, fiscal_year))
    return MunicipalityIntakeOutcome(municipality_id=municipality_id, fiscal_year=fiscal_year, **dict(cells))


def prefecture_intake_outcome(
    prefecture_id: str, fiscal_year: int, tables: Sequence[MunicipalityIntakeOutcome]
) -> PrefectureIntakeOutcome:
    """The sum of the municipality tables, which must all be of this prefecture and fiscal year."""
    totals: Counter[str] = Counter()
    for table in tables:
        if table.municipality_id[:2] != prefecture_id or table.fiscal_year != fiscal_year:
            raise ValueError(
                f"table {table.municipality_id}/{table.fiscal_year} is not of prefecture {prefecture_id}, "
                f"fiscal year {fiscal_year}"
            )
        totals.update(dict(moe_cells(table)))
    cells = cells_model({column: totals[column] for column in MOE_COLUMNS})
    return PrefectureIntakeOutcome(
        prefecture_id=prefecture_id, fiscal_year=fiscal_year, municipalities=list(tables), **dict(cells)
    )


def moe_cells(table: IntakeOutcomeCells) -> list[tuple[str, int]]:
    """(column, value) for each of MOE_COLUMNS, in that order."""
    dumped = table.model_dump(include={"intake", "injured", "outcome"})
    values: list[tuple[str, int]] = []
    for column in MOE_COLUMNS:
        node: Any = dumped
        for key in _COLUMN_PATHS[column]:
            node = node[key]
        values.append((column, int(node)))
    return values


def _column_paths() -> dict[str, tuple[str, ...]]:
    """Each column's path in the nested model, found by walking the model (so names cannot drift)."""
    paths: dict[str, tuple[str, ...]] = {}

    def walk(model: type[BaseModel], prefix: tuple[str, ...]) -> None:
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, (*prefix, name))
            else:
                paths["_".join((*prefix, name))] = (*prefix, name)

    walk(IntakeOutcomeCells, ())
    if set(paths) != set(MOE_COLUMNS):
        raise RuntimeError(f"MOE_COLUMNS and the table model disagree: {sorted(set(paths) ^ set(MOE_COLUMNS))}")
    return paths


_COLUMN_PATHS = _column_paths()

"""Domain models: what the API accepts (…Request, extra fields forbidden) and what it stores and returns."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter

from .base import Model

JST = dt.timezone(dt.timedelta(hours=9), "JST")

MunicipalityId = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Ulid = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(max_length=2000)]
MicrochipId = Annotated[str, StringConstraints(pattern=r"^[0-9]{15}$")]
Yen = Annotated[int, Field(ge=0, le=10_000_000)]


def today_in_japan() -> dt.date:
    return dt.datetime.now(JST).date()


def now_utc() -> dt.datetime:
    """Now, to the millisecond (what both stores keep)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Sex(StrEnum):
    male = "male"
    female = "female"
    unknown = "unknown"


class CatStatus(StrEnum):
    owned = "owned"
    community = "community"
    ownerless = "ownerless"
    in_care = "in_care"
    adopted = "adopted"
    returned_to_owner = "returned_to_owner"
    transferred = "transferred"
    deceased = "deceased"


# Statuses a person may set by registering or editing a cat; the others follow recorded events.
EDITABLE_STATUSES = frozenset({CatStatus.owned, CatStatus.community, CatStatus.ownerless})
EditableStatus = Literal["owned", "community", "ownerless"]


class EventType(StrEnum):
    intake = "intake"
    return_to_owner = "return_to_owner"
    adoption = "adoption"
    transfer_out = "transfer_out"
    release = "release"
    euthanasia = "euthanasia"
    death = "death"
    trap = "trap"
    surgery = "surgery"
    sighting = "sighting"


OUTCOME_TYPES = frozenset(
    {
        EventType.return_to_owner,
        EventType.adoption,
        EventType.transfer_out,
        EventType.release,
        EventType.euthanasia,
        EventType.death,
    }
)


class IntakeType(StrEnum):
    owner_surrender = "owner_surrender"
    ownerless = "ownerless"
    injured = "injured"
    transfer_in = "transfer_in"


class AgeClass(StrEnum):
    adult = "adult"
    juvenile = "juvenile"


class Procedure(StrEnum):
    spay = "spay"
    neuter = "neuter"


class ComplaintCategory(StrEnum):
    waste = "waste"
    noise = "noise"
    feeding = "feeding"
    garbage = "garbage"
    other = "other"


class Location(Model):
    """A point inside Japan's bounding box (Okinotorishima to Etorofu, Yonaguni to Minamitorishima)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=20.0, le=46.0)
    lon: float = Field(ge=122.0, le=154.0)

    def coarsened(self) -> Location:
        """About 1 km: what may be shown beyond the owning municipality (exact feeding spots are not)."""
        return Location(lat=round(self.lat, 2), lon=round(self.lon, 2))


class Contact(Model):
    """A person's contact details: personal data, kept only in the operational store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+\-() ]{6,20}$")] | None = None
    address: Annotated[str, StringConstraints(max_length=200)] | None = None


class _Request(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _CatFields(_Request):
    name: ShortText | None = Field(default=None, description="Name or nickname (≤ 100 characters)")
    sex: Sex = Sex.unknown
    neutered: bool = False
    ear_tipped: bool = False
    area: ShortText | None = Field(default=None, description="町丁目・活動地域: the unit of area statistics")
    microchip_id: MicrochipId | None = Field(default=None, description="15 digits (ISO 11784)")
    location: Location | None = None
    notes: LongText | None = None


class RegisterCatRequest(_CatFields):
    status: EditableStatus = Field(
        default="ownerless",
        description="飼い猫/地域猫/所有者不明猫; in-care and outcome statuses follow recorded events",
    )


class ReplaceCatRequest(_CatFields):
    """PUT: every field; an omitted optional field is cleared.

    `status` may be omitted (kept) or repeat the current one, so a client can PUT back what it GOT;
    only owned/community/ownerless can be set by hand, the others follow recorded events.
    """

    status: CatStatus | None = None


class PatchCatRequest(_Request):
    """PATCH: only the fields given change; null clears an optional field."""

    name: ShortText | None = None
    sex: Sex | None = None
    status: CatStatus | None = None
    neutered: bool | None = None
    ear_tipped: bool | None = None
    area: ShortText | None = None
    microchip_id: MicrochipId | None = None
    location: Location | None = None
    notes: LongText | None = None


NON_NULLABLE_PATCH_FIELDS = frozenset({"sex", "status", "neutered", "ear_tipped"})


class Cat(Model):
    model_config = ConfigDict(extra="forbid")

    cat_id: Ulid
    municipality_id: MunicipalityId
    name: str | None = None
    sex: Sex = Sex.unknown
    status: CatStatus
    neutered: bool = False
    ear_tipped: bool = False
    area: str | None = None
    microchip_id: str | None = None
    location: Location | None = None
    notes: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(ge=1)


# ---- lifecycle events -------------------------------------------------------------------------


class _EventBase(_Request):
    occurred_on: dt.date = Field(description="Date in Japan (JST) the event happened, YYYY-MM-DD")
    notes: LongText | None = None


class IntakeEventRequest(_EventBase):
    type: Literal["intake"]
    intake_type: IntakeType
    age_class: AgeClass
    contact: Contact | None = Field(default=None, description="Surrendering owner or finder (personal data)")


class _OutcomeBase(_EventBase):
    age_class: AgeClass


class ReturnToOwnerEventRequest(_OutcomeBase):
    type: Literal["return_to_owner"]
    contact: Contact | None = Field(default=None, description="Owner (personal data)")


class AdoptionEventRequest(_OutcomeBase):
    type: Literal["adoption"]
    contact: Contact | None = Field(default=None, description="Adopter (personal data)")


class TransferOutEventRequest(_OutcomeBase):
    type: Literal["transfer_out"]
    destination: ShortText | None = Field(default=None, description="Receiving group or centre")


class ReleaseEventRequest(_OutcomeBase):
    type: Literal["release"]


class EuthanasiaEventRequest(_OutcomeBase):
    type: Literal["euthanasia"]
    category: Literal[1, 2] = Field(description="殺処分 ① 譲渡不適 (1) or ② その他 (2)")


class DeathEventRequest(_OutcomeBase):
    type: Literal["death"]


class TrapEventRequest(_EventBase):
    type: Literal["trap"]


class SightingEventRequest(_EventBase):
    type: Literal["sighting"]


class SurgeryEventRequest(_EventBase):
    type: Literal["surgery"]
    procedure: Procedure
    ear_tip: bool
    cost_yen: Yen | None = None
    subsidy_yen: Yen | None = None


RecordEventRequest = Annotated[
    (
        IntakeEventRequest
        | ReturnToOwnerEventRequest
        | AdoptionEventRequest
        | TransferOutEventRequest
        | ReleaseEventRequest
        | EuthanasiaEventRequest
        | DeathEventRequest
        | TrapEventRequest
        | SightingEventRequest
        | SurgeryEventRequest
    ),
    Field(discriminator="type"),
]
RECORD_EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(RecordEventRequest, config=ConfigDict(defer_build=True))


class Event(Model):
    """A recorded lifecycle event, with the context the statistics need copied in at write time.

    `area`, `status_before` and `latest_intake_type` are snapshots taken in the same atomic write,
    so one fiscal year's statistics can be computed from that year's events alone.
    """

    model_config = ConfigDict(extra="forbid")

    event_id: Ulid
    cat_id: Ulid
    municipality_id: MunicipalityId
    type: EventType
    occurred_on: dt.date
    recorded_at: dt.datetime
    intake_type: IntakeType | None = None
    age_class: AgeClass | None = None
    category: Literal[1, 2] | None = None
    procedure: Procedure | None = None
    ear_tip: bool | None = None
    cost_yen: int | None = None
    subsidy_yen: int | None = None
    destination: str | None = None
    notes: str | None = None
    contact: Contact | None = None
    area: str | None = Field(default=None, description="The cat's area when the event was recorded")
    status_before: CatStatus = Field(description="The cat's status just before this event")
    latest_intake_type: IntakeType | None = Field(
        default=None, description="intake_type of the cat's latest intake before this event, if any"
    )


# ---- complaints --------------------------------------------------------------------------------


class RecordComplaintRequest(_Request):
    category: ComplaintCategory
    area: ShortText
    received_on: dt.date
    description: LongText | None = None
    reporter: Contact | None = Field(default=None, description="Complainant (personal data)")


class Complaint(Model):
    model_config = ConfigDict(extra="forbid")

    complaint_id: Ulid
    municipality_id: MunicipalityId
    category: ComplaintCategory
    area: str
    received_on: dt.date
    description: str | None = None
    reporter: Contact | None = None
    created_at: dt.datetime


# ---- queries ------------------------------------------------------------------------------------


class CatFilter(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: CatStatus | None = None
    area: str | None = None
    neutered: bool | None = None
    updated_since: dt.datetime | None = None

    def matches(self, cat: Cat) -> bool:
        return (
            (self.status is None or cat.status == self.status)
            and (self.area is None or cat.area == self.area)
            and (self.neutered is None or cat.neutered == self.neutered)
            and (self.updated_since is None or cat.updated_at >= self.updated_since)
        )

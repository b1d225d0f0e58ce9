"""Who may upload what, and about whom (RELIABILITY U21, R30; issue 12 item 2).

Three checks, all made before anything is stored and every refusal audited:

* **the feed** — a department user sends only its department's feeds; a county caseworker only
  the feeds a county is allowed to send (``JIUZHU_COUNTY_FEEDS``, CONFIG, default
  :data:`DEFAULT_COUNTY_FEEDS`); the command line (an operator on the server) any feed;
* **the region codes** in the file — known, current, inside the uploader's region
  (:class:`RegionCheck`, the validator's ``region_ok``);
* **the person** each row is about — their registry household's region, or, when they are
  not in the registry, the row's region code; a row whose person lies outside the uploader's
  region, or who cannot be placed (not registered, no region code), is refused
  (:class:`PersonScope`, the validator's ``person_check``).  Without this a county could send
  another county's deaths with the optional region column left blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.registry.models import Member
from jiuzhu.pii.crypto import blind_index
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.exchange.sources import SOURCES, Source

UPLOAD = "upload_data"

# The feeds a county caseworker may upload (CONFIG: settings.JIUZHU_COUNTY_FEEDS).  What
# county-level offices hand over locally: their students, unemployed, monitored households,
# certificates, housing and relief programmes, legal aid, workers in difficulty, and the
# county health commission's death certificates.  Household registration, medical insurance,
# social insurance, property, vehicles, businesses and bank balances come from provincial
# systems, through their departments' own accounts.
DEFAULT_COUNTY_FEEDS: Final = (
    "agriculture_poverty_monitoring",
    "disabled_certificates",
    "education_students",
    "emergency_disaster_victims",
    "health_deaths",
    "health_serious_illness",
    "housing_dilapidated_renovation",
    "housing_public_rental",
    "housing_rent_subsidy",
    "hrss_unemployment",
    "justice_legal_aid",
    "justice_prison_release",
    "trade_union_difficult_workers",
)


def county_feeds() -> frozenset[str]:
    return frozenset(getattr(settings, "JIUZHU_COUNTY_FEEDS", DEFAULT_COUNTY_FEEDS))


def allowed_sources(actor: Any) -> list[Source]:
    """The feeds *actor* may upload: a department user its department's, a county the county
    feeds, the command line (``None``) every feed."""
    if actor is None:
        return list(SOURCES.values())
    if not actor.has_capability(UPLOAD):
        return []
    if actor.role == Role.DEPARTMENT:
        return [s for s in SOURCES.values() if s.department == actor.department]
    if actor.role == Role.COUNTY:
        allowed = county_feeds()
        return [s for s in SOURCES.values() if s.key in allowed]
    return list(SOURCES.values())


def check_can_upload(actor: Any, source: Source, channel: str) -> None:
    """Refuse (403, audited) an upload of a feed *actor* may not send."""
    if actor is None:  # the command line, run by an operator on the server
        return
    ok = actor.is_authenticated and actor.has_capability(UPLOAD) and source in allowed_sources(actor)
    if not ok:
        audit("exchange.upload_denied", actor=actor, object_type="source", object_id=source.key,
              outcome="denied", channel=channel)
        raise PermissionDenied(UPLOAD)


def _unscoped(actor: Any) -> bool:
    """The command line, a provincial department, a province-level user: the whole province."""
    if actor is None:
        return True
    if actor.region_id is None:
        return bool(actor.role == Role.DEPARTMENT)
    return bool(actor.region is not None and actor.region.level == "province")


class RegionCheck:
    """``region_ok`` for the validator: known, current, and inside the uploader's scope (U21)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.cache: dict[str, bool] = {}
        self.out_of_scope: set[str] = set()

    def __call__(self, code: str) -> bool:
        if code not in self.cache:
            self.cache[code] = self._check(code)
        return self.cache[code]

    def _check(self, code: str) -> bool:
        region = Region.objects.filter(code=code).only("code", "valid_to").first()
        if region is None or region.valid_to is not None:
            return False
        if _unscoped(self.actor) or region_in_scope(self.actor, code):
            return True
        self.out_of_scope.add(code)
        return False


class PersonScope:
    """``person_check`` for the validator: may this uploader send data about this person?

    The person is placed by their registry household's village (any household they are a
    member of), or — not being in the registry — by the row's region code, which
    :class:`RegionCheck` has already confirmed lies in scope.  ``refused`` keeps the masked
    ID numbers refused, for the audit record.
    """

    _CHUNK: Final = 500  # ID indexes per query (SQLite's bound-variable limit is far above)

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.refused: list[str] = []
        self.refused_count = 0
        self._ring = keyring()
        self._index: dict[str, str] = {}

    @classmethod
    def for_actor(cls, actor: Any) -> PersonScope | None:
        return None if _unscoped(actor) else cls(actor)

    def _blind(self, id_number: str) -> str:
        found = self._index.get(id_number)
        if found is None:
            found = self._index[id_number] = blind_index(self._ring, id_number, purpose="id_number")
        return found

    def __call__(self, rows: Sequence[tuple[str, str | None]]) -> list[str | None]:
        indexes = [self._blind(pid) for pid, _ in rows]
        villages: dict[str, set[str]] = {}
        wanted = sorted(set(indexes))
        for i in range(0, len(wanted), self._CHUNK):
            for idx, village in Member.objects.filter(id_number_index__in=wanted[i:i + self._CHUNK]).values_list(
                    "id_number_index", "household__village_id"):
                villages.setdefault(idx, set()).add(village)
        every = sorted({v for vs in villages.values() for v in vs})
        inside: set[str] = set()
        for i in range(0, len(every), self._CHUNK):
            inside.update(RegionClosure.objects.filter(
                ancestor_id=self.actor.region_id, descendant_id__in=every[i:i + self._CHUNK]).values_list(
                "descendant_id", flat=True))
        out: list[str | None] = []
        for (pid, region), idx in zip(rows, indexes, strict=True):
            homes = villages.get(idx)
            if homes is not None:
                verdict = None if homes & inside else "person_out_of_scope"
            else:
                verdict = None if region else "person_region_unknown"
            if verdict is not None:
                self.refused_count += 1
                if len(self.refused) < 50:
                    self.refused.append(mask_id_number(pid))
            out.append(verdict)
        return out


def audit_refusals(actor: Any, source: Source, regions: RegionCheck, persons: PersonScope | None,
                   object_type: str, object_id: object, stage: str) -> None:
    """One security event per kind of refusal in a file (U21; issue 12 item 2)."""
    if regions.out_of_scope:
        audit("exchange.region_out_of_scope", actor=actor, object_type=object_type, object_id=object_id,
              outcome="denied", source=source.key, stage=stage, region_codes=sorted(regions.out_of_scope)[:50])
    if persons is not None and persons.refused_count:
        audit("exchange.person_out_of_scope", actor=actor, object_type=object_type, object_id=object_id,
              outcome="denied", source=source.key, stage=stage, rows=persons.refused_count,
              id_numbers=persons.refused)

"""Story spots: places with a story from the neighbourhood's history; a photo there earns a bonus.

The bonus itself is scored by the ledger (`ledger.spots_hit`). Adding or deleting a spot changes
what a full replay of the accepted photos gives, so after a change the caller runs
`rescore_rounds` in the same transaction: the invariant standings = ledger = replay holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event
from koppelkiek.game.ledger import lock, rescore, spot_ids_at
from koppelkiek.game.models import Neighbourhood, Photo, Round, StorySpot
from koppelkiek.game.neighbourhoods import boundary_of
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.words import TypedWords, checked_words
from koppelkiek.scoring import DEFAULT_SPOT_BONUS
from koppelkiek.uploads import Position, distance_m

NAME_MAX = 120
STORY_MAX = 5000
RADIUS_MIN, RADIUS_MAX = 5.0, 500.0
BONUS_MIN, BONUS_MAX = 0, 100
DEFAULT_RADIUS_M = 30.0
IMPORT_MAX_FEATURES = 500
EXCERPT_MAX = 200


def _bad(code: str, **params: object) -> GameError:
    return GameError(code, **params)


def _number(value: object) -> float | None:
    """A finite number (not a bool), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def add_spot(
    session: Session,
    hood: Neighbourhood,
    name: str,
    story: str,
    lat: float,
    lon: float,
    radius_m: float,
    bonus: float,
    typed_words: TypedWords | None = None,
    languages: Collection[str] = (),
) -> StorySpot:
    """Check every part of a spot and add it; each mistake has its own code (status 422)."""
    spot = checked_spot(hood, name, story, lat, lon, radius_m, bonus)
    spot.words = checked_words(typed_words or {}, languages, SPOT_CHECKS) or None
    session.add(spot)
    session.flush()
    return spot


def checked_name(typed: str) -> str:
    """A spot's name (or its name in another language, game/words.py) as it will be shown."""
    name = " ".join((typed or "").split())
    if not 1 <= len(name) <= NAME_MAX:
        raise _bad("spot_name_invalid", maximum=NAME_MAX)
    return name


def checked_story(typed: str) -> str:
    story = (typed or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(story) > STORY_MAX:
        raise _bad("spot_story_too_long", maximum=STORY_MAX, length=len(story))
    return story


SPOT_CHECKS = {"name": checked_name, "story": checked_story}


def checked_spot(
    hood: Neighbourhood, name: str, story: str, lat: float, lon: float, radius_m: float,
    bonus: float,
) -> StorySpot:
    """A new, unsaved spot once every part passed its check."""
    name = checked_name(name)
    story = checked_story(story)
    la, lo = _number(lat), _number(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise _bad("spot_coordinates_invalid")
    if not boundary_of(hood.boundary_geojson).contains(la, lo):
        raise _bad("spot_outside_neighbourhood")
    radius = _number(radius_m)
    if radius is None or not RADIUS_MIN <= radius <= RADIUS_MAX:
        raise _bad("spot_radius_out_of_range", low=int(RADIUS_MIN), high=int(RADIUS_MAX))
    points = _number(bonus)
    if points is None or not points.is_integer() or not BONUS_MIN <= points <= BONUS_MAX:
        raise _bad("spot_bonus_out_of_range", low=BONUS_MIN, high=BONUS_MAX)
    return StorySpot(
        neighbourhood_id=hood.id, name=name, story=story, lat=la, lon=lo, radius_m=radius,
        bonus=int(points),
    )


def teller_of(spot: StorySpot) -> str | None:
    """The name shown as "verteld door ...": only a teller who agreed to it and is not erased."""
    teller = spot.teller
    if teller is None or not spot.teller_named or teller.erased_at is not None:
        return None
    return teller.display_name


def list_spots(session: Session, hood: Neighbourhood) -> list[StorySpot]:
    return list(session.scalars(
        select(StorySpot).where(StorySpot.neighbourhood_id == hood.id)
        .order_by(StorySpot.name, StorySpot.id)))


def delete_spot(session: Session, hood: Neighbourhood, spot_id: int) -> StorySpot:
    """Another neighbourhood's spot looks exactly like one that does not exist."""
    spot = session.get(StorySpot, spot_id)
    if spot is None or spot.neighbourhood_id != hood.id:
        raise GameError("not_found")
    session.delete(spot)
    session.flush()
    return spot


def _feature_spot(feature: object) -> dict[str, object]:
    """The add_spot arguments from one GeoJSON Point feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _bad("spot_import_not_point")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise _bad("spot_import_not_point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise _bad("spot_coordinates_invalid")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise _bad("spot_import_bad_property", property="properties")
    for key in ("name", "story"):
        if key in props and props[key] is not None and not isinstance(props[key], str):
            raise _bad("spot_import_bad_property", property=key)
    radius = props.get("radius_m", props.get("radius"))
    bonus = props.get("bonus")
    for key, value in (("radius_m", radius), ("bonus", bonus)):
        if value is not None and _number(value) is None:
            raise _bad("spot_import_bad_property", property=key)
    return {
        "name": props.get("name") or "",
        "story": props.get("story") or "",
        "lat": coords[1],
        "lon": coords[0],
        "radius_m": DEFAULT_RADIUS_M if radius is None else radius,
        "bonus": DEFAULT_SPOT_BONUS if bonus is None else bonus,
    }


def _feature_words(feature: dict[str, object], languages: Collection[str]) -> TypedWords:
    """The translations in a feature's properties: name_<lang> and story_<lang>."""
    props = feature.get("properties") or {}
    assert isinstance(props, dict)  # _feature_spot checked it
    typed: dict[str, dict[str, str | None]] = {}
    for lang in languages:
        for field in SPOT_CHECKS:
            value = props.get(f"{field}_{lang}")
            if value is not None and not isinstance(value, str):
                raise _bad("spot_import_bad_property", property=f"{field}_{lang}")
            if value is not None:
                typed.setdefault(lang, {})[field] = value
    return typed


def import_spots(
    session: Session, hood: Neighbourhood, geojson_text: str | bytes,
    languages: Collection[str] = (),
) -> list[StorySpot]:
    """All spots of a FeatureCollection of Points, or none: a bad feature is named by its index.

    With `languages`, the properties name_<lang> and story_<lang> are the spot's translations.
    A feature's refusal becomes `spot_import_feature` with `index` (0-based, as in the file's
    "features" list), `reason` (the feature's own refusal code) and that refusal's parameters.
    """
    try:
        doc = json.loads(geojson_text)
    except RecursionError:
        raise _bad("geojson_too_deep") from None
    except (ValueError, UnicodeDecodeError):
        raise _bad("spot_import_not_json") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise _bad("spot_import_not_collection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise _bad("spot_import_not_collection")
    if not features:
        raise _bad("spot_import_empty")
    if len(features) > IMPORT_MAX_FEATURES:
        raise _bad("spot_import_too_many", maximum=IMPORT_MAX_FEATURES)
    checked: list[StorySpot] = []
    # Every feature is checked before the first is added: a bad one leaves nothing behind.
    for index, feature in enumerate(features):
        try:
            spot = checked_spot(hood, **_feature_spot(feature))  # type: ignore[arg-type]
            spot.words = checked_words(_feature_words(feature, languages), languages,
                                       SPOT_CHECKS) or None
            checked.append(spot)
        except GameError as exc:
            raise GameError("spot_import_feature", index=index, reason=exc.code,
                            **exc.params) from None
    session.add_all(checked)
    session.flush()
    return checked


@dataclass(frozen=True)
class Near:
    spot: StorySpot
    distance_m: float


def spots_near(spots: list[StorySpot], lat: float, lon: float) -> list[Near]:
    """Each spot with its distance from (lat, lon), nearest first."""
    here = Position(lat, lon)
    return sorted(
        (Near(spot, distance_m(here, Position(spot.lat, spot.lon))) for spot in spots),
        key=lambda near: (near.distance_m, near.spot.id),
    )


def round_spots(session: Session, rnd: Round) -> list[StorySpot]:
    return list(session.scalars(
        select(StorySpot).where(StorySpot.neighbourhood_id == rnd.neighbourhood_id)
        .order_by(StorySpot.name, StorySpot.id)))


def spot_at(spots: list[StorySpot], lat: float | None, lon: float | None) -> StorySpot | None:
    """The nearest spot whose radius holds this place (as scoring sees it), if any."""
    if lat is None or lon is None:
        return None
    for near in spots_near(spots, lat, lon):
        if near.distance_m <= near.spot.radius_m:
            return near.spot
    return None


def excerpt(story: str, limit: int = EXCERPT_MAX) -> str:
    """The story's start, at most `limit` characters, cut at a word with an ellipsis."""
    text = " ".join((story or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def rescore_rounds(session: Session, hood: Neighbourhood, now: datetime) -> list[Event]:
    """Spots changed: every round of the neighbourhood to a full replay, by compensating entries.

    Each photo that still has its place gets its spots again; an erased one keeps those it had.
    """
    events: list[Event] = []
    rounds = list(session.scalars(select(Round).where(Round.neighbourhood_id == hood.id)
                                  .order_by(Round.id)))
    for rnd in rounds:
        lock(session, rnd)
    spots = list(session.scalars(select(StorySpot).where(StorySpot.neighbourhood_id == hood.id)))
    for rnd in rounds:
        for photo in session.scalars(select(Photo).where(Photo.round_id == rnd.id,
                                                         Photo.lat.is_not(None))):
            photo.spot_ids = spot_ids_at(spots, photo.lat, photo.lon)
        events += rescore(session, rnd, now, kind="spots_changed")
    return events


# The organiser's use cases: each change rescores the neighbourhood's rounds and is audited.

def _spots_changed(session: Session, actor: Actor, action: str, hood: Neighbourhood,
                   now: datetime, **detail: object) -> tuple[Event, ...]:
    events = rescore_rounds(session, hood, now)
    audit(session, actor, action, now, neighbourhood_id=hood.id, **detail)
    return tuple(events)


def new_spot(session: Session, actor: Actor, hood: Neighbourhood, name: str, story: str,
             lat: float, lon: float, radius_m: float, bonus: float,
             now: datetime, typed_words: TypedWords | None = None,
             languages: Collection[str] = ()) -> Outcome[StorySpot]:
    spot = add_spot(session, hood, name, story, lat, lon, radius_m, bonus, typed_words,
                    languages)
    return Outcome(spot, _spots_changed(
        session, actor, "spot_add", hood, now, spot=spot.id, name=spot.name, lat=spot.lat,
        lon=spot.lon, radius_m=spot.radius_m, bonus=spot.bonus,
        languages=sorted(spot.words or {})))


def word_spot(session: Session, actor: Actor, hood: Neighbourhood, spot_id: int,
              typed_words: TypedWords, languages: Collection[str],
              now: datetime) -> Outcome[StorySpot]:
    """A spot's name and story in other languages, all at once. Texts only: no points move."""
    spot = session.get(StorySpot, spot_id)
    if spot is None or spot.neighbourhood_id != hood.id:
        raise GameError("not_found")
    spot.words = checked_words(typed_words, languages, SPOT_CHECKS) or None
    audit(session, actor, "spot_words", now, neighbourhood_id=hood.id, spot=spot.id,
          languages=sorted(spot.words or {}))
    return Outcome(spot)


def spots_from_file(session: Session, actor: Actor, hood: Neighbourhood, data: bytes,
                    filename: str, now: datetime,
                    languages: Collection[str] = ()) -> Outcome[list[StorySpot]]:
    added = import_spots(session, hood, data, languages)
    return Outcome(added, _spots_changed(
        session, actor, "spot_import", hood, now, count=len(added),
        spots=[spot.id for spot in added], filename=filename[:120]))


def remove_spot(session: Session, actor: Actor, hood: Neighbourhood, spot_id: int,
                now: datetime) -> Outcome[StorySpot]:
    spot = delete_spot(session, hood, spot_id)
    return Outcome(spot, _spots_changed(session, actor, "spot_delete", hood, now, spot=spot_id,
                                        name=spot.name))

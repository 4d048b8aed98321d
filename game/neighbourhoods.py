"""Neighbourhoods: the boundary a game is played in, checked when it is saved."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shapely import prepared
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.errors import Code, GameError
from koppelkiek.game.models import Neighbourhood, Organiser
from koppelkiek.game.values import LANGUAGES

MIN_AREA_M2 = 2_000.0  # a couple of gardens
MAX_AREA_M2 = 200_000_000.0  # 200 km²: bigger than any neighbourhood
M_PER_DEG = 111_320.0


def _bad(code: Code, **params: object) -> GameError:
    return GameError(code, **params)


def _geometry(doc: object) -> dict[str, object]:
    """A Polygon or MultiPolygon geometry; a Feature's geometry may be nothing else."""
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise _bad("boundary_wrong_type", found=str(kind)[:40] if kind else "?")
    return doc  # type: ignore[return-value]


def _geometries(doc: object) -> list[dict[str, object]]:
    """The Polygon/MultiPolygon geometries in a GeoJSON document. GeoJSON nests only
    FeatureCollection > Feature > geometry, so no deeper nesting is followed."""
    if not isinstance(doc, dict) or "type" not in doc:
        raise _bad("boundary_wrong_type", found="?")
    kind = doc["type"]
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise _bad("boundary_empty")
        if not all(isinstance(f, dict) and f.get("type") == "Feature" for f in features):
            raise _bad("boundary_wrong_type", found="FeatureCollection")
        return [_geometry(feature.get("geometry")) for feature in features]
    if kind == "Feature":
        return [_geometry(doc.get("geometry"))]
    return [_geometry(doc)]


def _polygons(geometry: dict[str, object]) -> list[list[object]]:
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise _bad("boundary_bad_coordinates")
    polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _bad("boundary_bad_coordinates")
    return polygons


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _checked_ring(ring: object) -> list[tuple[float, float]]:
    """A ring as (lon, lat) pairs. A position is 2 or 3 numbers (an altitude is ignored)."""
    if not isinstance(ring, list):
        raise _bad("boundary_bad_coordinates")
    points: list[tuple[float, float]] = []
    for pos in ring:
        if not isinstance(pos, list) or not 2 <= len(pos) <= 3 or not all(map(_number, pos)):
            raise _bad("boundary_bad_coordinates")
        lon, lat = float(pos[0]), float(pos[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _bad("boundary_out_of_range")
        points.append((lon, lat))
    if len(points) < 4:
        raise _bad("boundary_too_few_points")
    if points[0] != points[-1]:
        raise _bad("boundary_not_closed")
    return points


def area_m2(geom: BaseGeometry) -> float:
    """Area on a local equirectangular projection: plenty for a neighbourhood."""
    lat = geom.centroid.y
    return geom.area * M_PER_DEG * M_PER_DEG * math.cos(math.radians(lat))


def parse_boundary(text: str | bytes) -> MultiPolygon | Polygon:
    """Check an uploaded GeoJSON boundary; each mistake raises its own code."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise _bad("geojson_too_deep") from None
    except (ValueError, UnicodeDecodeError):
        raise _bad("boundary_not_json") from None
    polygons: list[Polygon] = []
    for geometry in _geometries(doc):
        for rings in _polygons(geometry):
            # Built from the checked pairs, never from the raw document.
            checked = [_checked_ring(ring) for ring in rings]
            geom = Polygon(checked[0], checked[1:])
            if not geom.is_valid:
                raise _bad("boundary_self_intersecting", detail=explain_validity(geom))
            polygons.append(geom)
    result: MultiPolygon | Polygon = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    if not result.is_valid:
        raise _bad("boundary_self_intersecting", detail=explain_validity(result))
    area = area_m2(result)
    if area < MIN_AREA_M2:
        raise _bad("boundary_too_small", area=round(area))
    if area > MAX_AREA_M2:
        raise _bad("boundary_too_large", area_km2=round(area / 1e6))
    return result


class Boundary:
    """A saved boundary, prepared once for fast point-in-polygon checks."""

    def __init__(self, geojson: str) -> None:
        self.geometry = shape(json.loads(geojson))
        self._prepared = prepared.prep(self.geometry)

    def contains(self, lat: float, lon: float) -> bool:
        return bool(self._prepared.covers(Point(lon, lat)))


@lru_cache(maxsize=64)
def boundary_of(geojson: str) -> Boundary:
    return Boundary(geojson)


def outline_svg(geojson: str, width: int = 320) -> dict[str, object]:
    """Path data for an inline SVG of the outline, north up, scaled for latitude."""
    geom = shape(json.loads(geojson))
    minx, miny, maxx, maxy = geom.bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    w = max((maxx - minx) * kx, 1e-9)
    h = max(maxy - miny, 1e-9)
    scale = width / max(w, h)
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    parts: list[str] = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = [
                f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in ring.coords
            ]
            parts.append("M" + " L".join(pts) + " Z")
    return {
        "view_box": f"-4 -4 {w * scale + 8:.1f} {h * scale + 8:.1f}",
        "path": " ".join(parts),
        "project": (minx, maxy, kx, scale),
    }


def check_timezone(name: str) -> str:
    name = (name or "").strip() or "Europe/Amsterdam"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad("timezone_unknown", timezone=name[:64]) from None
    return name


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "buurt"


def create_neighbourhood(
    session: Session,
    *,
    name: str,
    boundary: str | bytes,
    now: datetime,
    timezone: str = "Europe/Amsterdam",
    organiser: Organiser | None = None,
    language: str = "nl",
) -> Neighbourhood:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 120:
        raise _bad("neighbourhood_name_invalid")
    tz = check_timezone(timezone)
    geometry = parse_boundary(boundary)
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Neighbourhood.id).where(Neighbourhood.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    hood = Neighbourhood(
        slug=slug,
        name=name,
        timezone=tz,
        boundary_geojson=json.dumps(geometry.__geo_interface__),
        default_language=language if language in LANGUAGES else "nl",
        created_at=now,
    )
    if organiser is not None:
        hood.organisers.append(organiser)
    session.add(hood)
    session.flush()
    return hood

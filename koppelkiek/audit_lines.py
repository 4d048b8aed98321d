"""The audit log as an organiser reads it: each action in words in their language, the time on
the neighbourhood's own clock, and the details as a short text instead of the stored JSON.

The stored line (game/audit.py) stays as it is, machine-readable; this is only how it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from koppelkiek.game.models import AuditEntry, Neighbourhood, Organiser, Player, Round

DEFAULT_ZONE = "Europe/Amsterdam"

ACTIONS = {
    "organiser_create": _l("Organiser added"),
    "organiser_grant": _l("Organiser may now manage the neighbourhood"),
    "neighbourhood_create": _l("Neighbourhood created"),
    "round_create": _l("Round created"),
    "round_rules": _l("Times and rules changed"),
    "round_start": _l("Round started"),
    "round_pause": _l("Round paused"),
    "round_end": _l("Round ended"),
    "round_rescore": _l("Points counted again"),
    "round_purge": _l("All photos of the round deleted"),
    "demo_seed": _l("Demo game set up"),
    "photo_approve": _l("Photo approved"),
    "photo_reject": _l("Photo rejected"),
    "player_rename": _l("Player renamed"),
    "player_ban": _l("Player banned"),
    "player_unban": _l("Ban lifted"),
    "player_recovery_reissued": _l("New recovery code given"),
    "player_erase": _l("Player's data deleted"),
    "spot_add": _l("Story spot added"),
    "spot_import": _l("Story spots imported"),
    "spot_delete": _l("Story spot deleted"),
    "proposal_approve": _l("Resident's story approved as a story spot"),
    "proposal_reject": _l("Resident's story rejected"),
    "export": _l("Results downloaded"),
    "report": _l("Neighbourhood report downloaded"),
}
FIELDS = {
    "round": _l("Round"),
    "player": _l("Player"),
    "photo": _l("Photo"),
    "reason": _l("Reason"),
    "email": _l("E-mail"),
    "neighbourhoods": _l("Neighbourhoods"),
    "name": _l("Name"),
    "old": _l("Old name"),
    "new": _l("New name"),
    "format": _l("Format"),
    "locations": _l("Exact locations"),
    "photos": _l("Photos"),
    "leaderboard": _l("Leaderboard"),
    "changed": _l("Changed"),
    "reverse_points": _l("Points reversed"),
    "spot": _l("Story spot"),
    "spots": _l("Story spots"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "radius_m": _l("Radius (m)"),
    "bonus": _l("Bonus points"),
    "count": _l("Number"),
    "filename": _l("File"),
    "via": _l("Via"),
    "proposal": _l("Proposal"),
    "edited": _l("Edited"),
}
WORDS = {
    "visible": _l("Visible"),
    "hidden": _l("Hidden"),
    "frozen": _l("Frozen"),
    "cli": _l("the command line"),
    "album": _l("Photo album (ZIP)"),
    "album_print": _l("Album to print (A4)"),
}


@dataclass(frozen=True)
class AuditLine:
    action: str  # the stored code, kept for machines and tests
    label: str
    at: datetime  # UTC
    when: str  # local wall time with the zone's abbreviation
    who: str
    details: str


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def action_label(action: str) -> str:
    """Words for the action; an action added later without words shows readable, not raw."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


def _pairs(session: Session, query: Select[tuple[int, str]]) -> dict[int, str]:
    return {key: value for key, value in session.execute(query)}


class _Names:
    """The names behind the ids in a page of lines, each kind read in one query."""

    def __init__(self, session: Session, details: Iterable[Mapping[str, object]]) -> None:
        rows = list(details)
        rounds = {v for d in rows if isinstance(v := d.get("round"), int)}
        players = {v for d in rows if isinstance(v := d.get("player"), int)}
        self.rounds: dict[int, str] = _pairs(session, select(Round.id, Round.name).where(
            Round.id.in_(rounds))) if rounds else {}
        self.players: dict[int, str] = _pairs(session, select(Player.id, Player.display_name)
                                              .where(Player.id.in_(players))) if players else {}


def _value(key: str, value: object, names: _Names, rule_labels: Mapping[str, object]) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key == "round" and isinstance(value, int):
        return names.rounds.get(value, f"#{value}")
    if key == "player" and isinstance(value, int):
        return names.players.get(value, f"#{value}")
    if key == "changed" and isinstance(value, dict):
        return "; ".join(f"{rule_labels.get(rule, rule)}: {_plain(pair[0])} → {_plain(pair[1])}"
                         if isinstance(pair, list) and len(pair) == 2
                         else f"{rule_labels.get(rule, rule)}: {_plain(pair)}"
                         for rule, pair in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value) or "–"
    if isinstance(value, str) and value in WORDS:
        return str(WORDS[value])
    if key in ("photo", "spot", "proposal") and isinstance(value, int):
        return f"#{value}"
    return _plain(value)


def _plain(value: object) -> str:
    return "–" if value is None else str(value)


def _detail(entry: AuditEntry) -> dict[str, object]:
    try:
        found = json.loads(entry.detail or "{}")
    except ValueError:
        return {"": entry.detail}
    return found if isinstance(found, dict) else {"": found}


def readable(session: Session, organiser: Organiser, entries: list[AuditEntry],
             rule_labels: Mapping[str, object]) -> list[AuditLine]:
    """The lines as shown in the console, in the organiser's language and local time.

    A line without a neighbourhood (an organiser added at the command line) takes the zone of
    the organiser's first neighbourhood."""
    details = [_detail(entry) for entry in entries]
    names = _Names(session, details)
    hood_ids = {e.neighbourhood_id for e in entries if e.neighbourhood_id is not None}
    zones = _pairs(session, select(Neighbourhood.id, Neighbourhood.timezone).where(
        Neighbourhood.id.in_(hood_ids))) if hood_ids else {}
    own = sorted(organiser.neighbourhoods, key=lambda h: h.id)
    fallback = own[0].timezone if own else DEFAULT_ZONE
    emails = _pairs(session, select(Organiser.id, Organiser.email).where(Organiser.id.in_(
        {e.organiser_id for e in entries if e.organiser_id})))
    lines = []
    for entry, detail in zip(entries, details, strict=True):
        local = entry.at.astimezone(_zone(zones.get(entry.neighbourhood_id, fallback)))
        # "via" is already the "who" column; a new round's name is already its "round".
        shown = {k: v for k, v in detail.items() if k != "via"
                 and not (k == "name" and entry.action == "round_create")}
        parts = [f"{FIELDS.get(key, key)}: {_value(key, value, names, rule_labels)}" if key
                 else _plain(value) for key, value in shown.items()]
        lines.append(AuditLine(
            action=entry.action, label=action_label(entry.action), at=entry.at,
            when=f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}",
            who=emails.get(entry.organiser_id or 0) or str(WORDS["cli"]),
            details=" · ".join(parts),
        ))
    return lines

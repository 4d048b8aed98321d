"""A resident proposes a story spot (JSON, or multipart with a photo of the place), and reads
what became of their proposals. Organisers decide in the console (koppelkiek/proposals.py)."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from koppelkiek import limits
from koppelkiek.api.v1 import bp
from koppelkiek.darkroom import Job, develop_photo, turn_away
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.extensions import limiter
from koppelkiek.game.proposals import Proposed, checked_proposal, my_proposals, propose
from koppelkiek.identity import now, require_player
from koppelkiek.inputs import body, number, text_field, yes_no_field
from koppelkiek.outcomes import settle
from koppelkiek.proposals import proposal_json
from koppelkiek.uploads import DerivedImages, IntakeError


def _coordinate(data: dict[str, Any], name: str) -> float:
    """A number in JSON, or a form's text with a decimal point or comma."""
    value = data.get(name)
    if isinstance(value, str):
        return number(value, "spot_coordinates_invalid")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refusal("spot_coordinates_invalid")
    return float(value)


def _named(data: dict[str, Any]) -> bool:
    if data.get("wants_named") in (None, ""):
        return False
    if data.get("wants_named") == "on":  # an HTML checkbox
        return True
    return yes_no_field(data, "wants_named")


def _photo(player_id: int) -> DerivedImages | None:
    """The place's photo, through the meeting photos' intake: only derived JPEGs come back,
    without metadata, and the uploaded original is dropped at once."""
    try:
        upload = request.files.get("photo") if not request.is_json else None
    except RequestEntityTooLarge:
        raise Refusal("photo_too_large") from None
    if upload is None or not upload.filename:
        return None
    busy = turn_away(player_id)
    if busy is not None:
        raise busy
    config = current_app.config
    upload.stream.seek(0, os.SEEK_END)
    upload.stream.seek(0)
    job = Job(upload.stream, player_id, max_pixels=int(config["MAX_PIXELS"]),
              wait_seconds=float(config["PHOTO_WAIT_SECONDS"]),
              cpu_seconds=float(config["PHOTO_JOB_SECONDS"]))
    try:
        return develop_photo(job).images
    except IntakeError as exc:
        raise Refusal(exc.code) from None
    finally:
        upload.close()


@bp.post("/spots/proposals")
@limiter.limit(limits.PROPOSALS_PER_PLAYER, key_func=limits.by_player)
def api_propose() -> Any:
    player = require_player()
    data = body()
    proposed = Proposed(
        name=text_field(data, "name", required=False) or "",
        story=text_field(data, "story", required=False) or "",
        lat=_coordinate(data, "lat"), lon=_coordinate(data, "lon"), wants_named=_named(data),
    )
    checked_proposal(db_session(), player, proposed)  # before a photo is developed for nothing
    db_session().commit()  # no connection held while the photo is developed
    images = _photo(player.id)
    proposal = settle(propose, player, proposed, images, now())
    current_app.logger.info("story spot proposed: %d by player %d", proposal.id, player.id)
    return jsonify(proposal=proposal_json(proposal)), 201


@bp.get("/spots/proposals/mine")
def api_my_proposals() -> Any:
    player = require_player()
    return jsonify(proposals=[proposal_json(p) for p in my_proposals(db_session(), player)])

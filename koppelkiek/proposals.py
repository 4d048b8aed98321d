"""Residents' story spot proposals: the phone's form and list, their photos, and the
organiser's queue in the console (the JSON calls: api/proposals.py; the rules:
game/proposals.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, status_of
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Neighbourhood, Round, SpotProposal
from koppelkiek.game.neighbourhoods import outline_svg
from koppelkiek.game.organisers import manages
from koppelkiek.game.players import current_round
from koppelkiek.game.proposals import (
    REJECTION_REASONS,
    STORY_MAX,
    approve,
    my_proposals,
    proposals_of,
    reject,
)
from koppelkiek.game.spots import NAME_MAX
from koppelkiek.game.values import ProposalStatus
from koppelkiek.identity import (
    acting_organiser,
    current_organiser,
    current_player,
    now,
    organiser_neighbourhood,
    organiser_required,
)
from koppelkiek.messages import message
from koppelkiek.outcomes import commit

bp = Blueprint("proposals", __name__)

REASONS = {
    "already_known": _l("We already have a story spot for this place"),
    "not_here": _l("The place is not where the story is"),
    "not_suitable": _l("Not suitable for the neighbourhood"),
    "too_personal": _l("It names or shows people who did not agree"),
    "other": _l("Another reason; ask the organiser"),
}
STATUS = {
    ProposalStatus.PENDING: _l("Waiting for the organiser"),
    ProposalStatus.APPROVED: _l("Approved: it is on the map"),
    ProposalStatus.REJECTED: _l("Not approved"),
}
assert set(REASONS) == set(REJECTION_REASONS)


class DecideForm(FlaskForm):
    # Loose on purpose: the game checks the edits and says what is wrong in its own words.
    name = StringField(validators=[Length(max=1000)])
    story = TextAreaField(validators=[Length(max=20000)])
    reason = StringField(validators=[Length(max=40)])


def reason_text(code: str | None) -> str | None:
    return str(REASONS[code]) if code in REASONS else None


def _image_url(proposal: SpotProposal, kind: str) -> str | None:
    content_hash = proposal.display_hash if kind == "display" else proposal.thumb_hash
    if content_hash is None:
        return None
    return url_for("proposals.image_file", proposal_id=proposal.id, kind=kind,
                   content_hash=content_hash)


def proposal_json(proposal: SpotProposal) -> dict[str, Any]:
    """As its teller sees it, in their language."""
    return {
        "id": proposal.id,
        "status": proposal.status,
        "status_text": str(STATUS[ProposalStatus(proposal.status)]),
        "name": proposal.name,
        "story": proposal.story,
        "lat": proposal.lat,
        "lon": proposal.lon,
        "wants_named": proposal.wants_named,
        "reason": proposal.reason,
        "reason_text": reason_text(proposal.reason),
        "spot_id": proposal.spot_id,
        "created_at": proposal.created_at.isoformat(),
        "thumb_url": _image_url(proposal, "thumb"),
    }


@bp.get("/spots/propose")
def propose_page() -> Any:
    """The phone's form: "Tell a story about a place", and what became of earlier ones."""
    player = current_player()
    rnd = current_round(db_session(), player) if player else None
    if player is None or rnd is None:
        return render_template("not_joined.html"), 401
    hood = rnd.neighbourhood
    return render_template("propose_spot.html", player=player, rnd=rnd, hood=hood,
                           proposals=my_proposals(db_session(), player),
                           name_max=NAME_MAX, story_max=STORY_MAX,
                           outline=outline_svg(hood.boundary_geojson),
                           status_label=lambda s: str(STATUS[ProposalStatus(s)]),
                           reason_text=reason_text)


@bp.get("/spots/proposals/<int:proposal_id>/<kind>/<content_hash>.jpg")
def image_file(proposal_id: int, kind: str, content_hash: str) -> Any:
    """Only its teller and the neighbourhood's organisers see a proposal's photo."""
    s = db_session()
    proposal = s.get(SpotProposal, proposal_id)
    player, organiser = current_player(), current_organiser()
    allowed = proposal is not None and (
        (player is not None and player.id == proposal.proposer_id)
        or (organiser is not None and manages(s, organiser, proposal.neighbourhood_id)))
    if not allowed or kind not in ("display", "thumb"):
        raise Refusal("not_found")
    assert proposal is not None
    stored_hash = proposal.display_hash if kind == "display" else proposal.thumb_hash
    data = proposal.display_jpeg if kind == "display" else proposal.thumb_jpeg
    if stored_hash is None or stored_hash != content_hash or data is None:
        raise Refusal("not_found")
    return Response(data, mimetype="image/jpeg", headers={
        "Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{stored_hash}"'})


def _queue(hood: Neighbourhood, errors: dict[int, str] | None = None,
           status: int = 200) -> Any:
    s = db_session()
    round_id = request.args.get("round", type=int)
    rnd = s.get(Round, round_id) if round_id else None
    if rnd is not None and rnd.neighbourhood_id != hood.id:
        rnd = None
    proposals = proposals_of(s, hood, rnd)
    return render_template(
        "organise/proposals.html", hood=hood, rnd=rnd, proposals=proposals,
        pending=[p for p in proposals if p.status == ProposalStatus.PENDING],
        decided=[p for p in proposals if p.status != ProposalStatus.PENDING],
        form=DecideForm(), reasons=REASONS, errors=errors or {}, image_url=_image_url,
        status_label=lambda code: str(STATUS[ProposalStatus(code)]), reason_text=reason_text,
        name_max=NAME_MAX, story_max=STORY_MAX,
    ), status


@bp.get("/organise/neighbourhoods/<slug>/proposals")
@organiser_required
def queue(slug: str) -> Any:
    return _queue(organiser_neighbourhood(slug))


def _back(hood: Neighbourhood) -> Any:
    round_id = request.args.get("round", type=int)
    return redirect(url_for("proposals.queue", slug=hood.slug,
                            **({"round": round_id} if round_id else {})))


def _decide(slug: str, proposal_id: int, decision: Callable[[Any, DecideForm], Any],
            done: Callable[[Any], str]) -> Any:
    """Approve or reject: a refusal shows the queue again with its reason at the proposal."""
    s = db_session()
    hood = organiser_neighbourhood(slug)
    form = DecideForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    try:
        decided = decision(hood, form)
    except GameError as exc:
        s.rollback()
        if exc.code == "not_found":
            raise
        return _queue(hood, {proposal_id: message(exc.code, exc.params)}, status_of(exc))
    flash(done(commit(decided)))
    return _back(hood)


@bp.post("/organise/neighbourhoods/<slug>/proposals/<int:proposal_id>/approve")
@organiser_required
def approve_submit(slug: str, proposal_id: int) -> Any:
    return _decide(
        slug, proposal_id,
        lambda hood, form: approve(db_session(), acting_organiser(), hood, proposal_id, now(),
                                   name=form.name.data, story=form.story.data),
        lambda spot: gettext("Story spot “%(name)s” added. You can delete it on the story "
                             "spots page.", name=spot.name))


@bp.post("/organise/neighbourhoods/<slug>/proposals/<int:proposal_id>/reject")
@organiser_required
def reject_submit(slug: str, proposal_id: int) -> Any:
    return _decide(
        slug, proposal_id,
        lambda hood, form: reject(db_session(), acting_organiser(), hood, proposal_id,
                                  form.reason.data or "", now()),
        lambda _: gettext("Proposal rejected. The resident sees the reason on their phone."))

"""Residents propose story spots from their phone; an organiser approves or rejects each one.

A proposal passes the same checks as an organiser's spot (game/spots.py) and, for its name,
those a player's display name gets (game/names.py): a proposal cannot smuggle in invisible or
control characters. Approved, it becomes a story spot that remembers its teller, and the
neighbourhood's rounds are rescored as after any other spot change. The resident hears the
outcome through a `notice` to their phone.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, Notice
from koppelkiek.game.models import Neighbourhood, Player, Round, SpotProposal, StorySpot
from koppelkiek.game.names import clean_name
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.players import current_round
from koppelkiek.game.spots import (
    DEFAULT_RADIUS_M,
    NAME_MAX,
    checked_name,
    checked_spot,
    checked_story,
    rescore_rounds,
)
from koppelkiek.game.values import ProposalStatus
from koppelkiek.scoring import DEFAULT_SPOT_BONUS
from koppelkiek.uploads import DerivedImages

STORY_MAX = 1000  # a resident's story; an organiser's may be longer (spots.STORY_MAX)
# Why an organiser said no; stored as the code, so each phone reads it in its own language.
REJECTION_REASONS = ("already_known", "not_here", "not_suitable", "too_personal", "other")
ALLOWED_IN_STORY = "\n\t"


@dataclass(frozen=True)
class Proposed:
    """What a resident typed, before any check."""

    name: str
    story: str
    lat: object
    lon: object
    wants_named: bool


def _name(typed: str) -> str:
    try:
        return checked_name(clean_name(typed, limit=NAME_MAX, code="spot_name_invalid"))
    except GameError as exc:
        if exc.code != "spot_name_invalid":
            raise
        raise GameError("spot_name_invalid", maximum=NAME_MAX) from None


def _story(typed: str) -> str:
    story = unicodedata.normalize("NFC", (typed or "").replace("\r\n", "\n").replace("\r", "\n"))
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in ALLOWED_IN_STORY
           for ch in story):
        raise GameError("spot_story_invalid")
    story = checked_story(story)
    if len(story) > STORY_MAX:
        raise GameError("spot_story_too_long", maximum=STORY_MAX, length=len(story))
    return story


def _checked(hood: Neighbourhood, name: str, story: str, lat: object, lon: object) -> StorySpot:
    """The spot it would become: name, story and place each checked (nothing is saved)."""
    name, story = _name(name), _story(story)
    return checked_spot(hood, name, story, lat, lon, DEFAULT_RADIUS_M,  # type: ignore[arg-type]
                        DEFAULT_SPOT_BONUS)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checked_proposal(session: Session, player: Player,
                     proposed: Proposed) -> tuple[Round, StorySpot]:
    """The player's round and the spot the proposal would become; refused before a photo is
    developed for nothing."""
    rnd = current_round(session, player)
    if rnd is None or player.banned or player.erased_at is not None:
        raise GameError("not_in_round")
    hood = session.get(Neighbourhood, rnd.neighbourhood_id)
    assert hood is not None
    return rnd, _checked(hood, proposed.name, proposed.story, proposed.lat, proposed.lon)


def propose(session: Session, player: Player, proposed: Proposed,
            images: DerivedImages | None, now: datetime) -> Outcome[SpotProposal]:
    """A resident's story about a place in their neighbourhood, pending an organiser."""
    rnd, spot = checked_proposal(session, player, proposed)
    hood = rnd.neighbourhood
    proposal = SpotProposal(
        neighbourhood_id=hood.id, round_id=rnd.id, proposer_id=player.id, name=spot.name,
        story=spot.story, lat=spot.lat, lon=spot.lon, wants_named=bool(proposed.wants_named),
        status=ProposalStatus.PENDING, created_at=now,
    )
    if images is not None:
        proposal.display_jpeg, proposal.thumb_jpeg = images.display, images.thumb
        proposal.display_hash = content_hash(images.display)
        proposal.thumb_hash = content_hash(images.thumb)
    session.add(proposal)
    session.flush()
    return Outcome(proposal)


def my_proposals(session: Session, player: Player) -> list[SpotProposal]:
    return list(session.scalars(
        select(SpotProposal).where(SpotProposal.proposer_id == player.id)
        .order_by(SpotProposal.created_at.desc(), SpotProposal.id.desc())))


def proposals_of(session: Session, hood: Neighbourhood,
                 rnd: Round | None = None) -> list[SpotProposal]:
    """A neighbourhood's proposals (or one round's): pending first, oldest first."""
    query = select(SpotProposal).where(SpotProposal.neighbourhood_id == hood.id)
    if rnd is not None:
        query = query.where(SpotProposal.round_id == rnd.id)
    found = session.scalars(query.order_by(SpotProposal.created_at, SpotProposal.id))
    return sorted(found, key=lambda p: p.status != ProposalStatus.PENDING)


def pending_proposal(session: Session, hood: Neighbourhood, proposal_id: int) -> SpotProposal:
    """Another neighbourhood's proposal looks exactly like one that does not exist."""
    proposal = session.get(SpotProposal, proposal_id)
    if proposal is None or proposal.neighbourhood_id != hood.id:
        raise GameError("not_found")
    if proposal.status != ProposalStatus.PENDING:
        raise GameError("proposal_decided", status=proposal.status)
    return proposal


def _told(proposal: SpotProposal, **data: object) -> Notice:
    return Notice(proposal.proposer_id, "proposal",
                  {"proposal_id": proposal.id, "status": proposal.status, "name": proposal.name,
                   **data})


def approve(session: Session, actor: Actor, hood: Neighbourhood, proposal_id: int,
            now: datetime, name: str | None = None,
            story: str | None = None) -> Outcome[StorySpot]:
    """The proposal becomes a story spot, optionally with the organiser's edits of its name and
    story; the teller is remembered, and named only if they asked to be."""
    proposal = pending_proposal(session, hood, proposal_id)
    spot = _checked(hood, proposal.name if name is None else name,
                    proposal.story if story is None else story, proposal.lat, proposal.lon)
    spot.teller_id = proposal.proposer_id
    spot.teller_named = proposal.wants_named
    session.add(spot)
    session.flush()
    proposal.status = ProposalStatus.APPROVED
    proposal.decided_at = now
    proposal.decided_by = actor.organiser.id if actor.organiser else None
    proposal.spot_id = spot.id
    edited = spot.name != proposal.name or spot.story != proposal.story
    events: list[Event] = rescore_rounds(session, hood, now)
    audit(session, actor, "proposal_approve", now, neighbourhood_id=hood.id,
          proposal=proposal.id, spot=spot.id, name=spot.name, player=proposal.proposer_id,
          edited=edited)
    events.append(_told(proposal, spot_id=spot.id, name=spot.name))
    return Outcome(spot, tuple(events))


def reject(session: Session, actor: Actor, hood: Neighbourhood, proposal_id: int, reason: str,
           now: datetime) -> Outcome[SpotProposal]:
    proposal = pending_proposal(session, hood, proposal_id)
    if reason not in REJECTION_REASONS:
        raise GameError("proposal_reason_unknown")
    proposal.status = ProposalStatus.REJECTED
    proposal.reason = reason
    proposal.decided_at = now
    proposal.decided_by = actor.organiser.id if actor.organiser else None
    audit(session, actor, "proposal_reject", now, neighbourhood_id=hood.id,
          proposal=proposal.id, name=proposal.name, player=proposal.proposer_id, reason=reason)
    return Outcome(proposal, (_told(proposal, reason=reason),))

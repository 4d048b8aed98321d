"""`koppelkiek spot ...`: residents' story spot proposals at the command line (also through
`flask --app koppelkiek spot ...`)."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from koppelkiek.db import db
from koppelkiek.game.audit import CONSOLE
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Neighbourhood, Round, SpotProposal
from koppelkiek.game.proposals import approve, proposals_of
from koppelkiek.game.spots import teller_of
from koppelkiek.identity import now
from koppelkiek.messages import message
from koppelkiek.outcomes import commit


@click.group("spot")
def spot_group() -> None:
    """Story spots; residents' proposals for new ones."""


def _proposal(proposal: SpotProposal) -> dict[str, Any]:
    return {"id": proposal.id, "status": proposal.status, "name": proposal.name,
            "story": proposal.story, "lat": proposal.lat, "lon": proposal.lon,
            "round_id": proposal.round_id, "proposer_id": proposal.proposer_id,
            "wants_named": proposal.wants_named, "reason": proposal.reason,
            "spot_id": proposal.spot_id, "has_photo": proposal.display_hash is not None,
            "created_at": proposal.created_at.isoformat()}


@spot_group.command("proposals")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help='Print {"proposals": [...]}.')
@with_appcontext
def spot_proposals(round_id: int, as_json: bool) -> None:
    """The story spots residents proposed in a round: waiting ones first."""
    with db.sessions(current_app)() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise click.ClickException(f"no round {round_id}")
        hood = s.get(Neighbourhood, rnd.neighbourhood_id)
        assert hood is not None
        found = proposals_of(s, hood, rnd)
        if as_json:
            click.echo(json.dumps({"proposals": [_proposal(p) for p in found]},
                                  ensure_ascii=False))
            return
        for p in found:
            click.echo(f"{p.id}\t{p.status}\t{p.name}")
        if not found:
            click.echo(f"Round {rnd.id}: no proposals.")


@spot_group.command("approve")
@click.argument("proposal_id", type=int)
@click.option("--name", default=None, help="The spot's name, if not the one proposed.")
@click.option("--story", default=None, help="The spot's story, if not the one proposed.")
@click.option("--json", "as_json", is_flag=True, help='Print {"spot_id": ..., ...}.')
@with_appcontext
def spot_approve(proposal_id: int, name: str | None, story: str | None, as_json: bool) -> None:
    """Make a resident's proposal a story spot; its teller is named if they agreed."""
    with db.sessions(current_app)() as s:
        proposal = s.get(SpotProposal, proposal_id)
        if proposal is None:
            raise click.ClickException(f"no proposal {proposal_id}")
        hood = s.get(Neighbourhood, proposal.neighbourhood_id)
        assert hood is not None
        try:
            approved = approve(s, CONSOLE, hood, proposal_id, now(), name=name, story=story)
        except GameError as exc:
            s.rollback()
            raise click.ClickException(f"{exc.code}: {message(exc.code, exc.params)}") from None
        spot = commit(approved, s)
        if as_json:
            click.echo(json.dumps({"proposal_id": proposal_id, "spot_id": spot.id,
                                   "name": spot.name, "teller": teller_of(spot)},
                                  ensure_ascii=False))
        else:
            click.echo(f"Proposal {proposal_id} approved: story spot {spot.id} "
                       f"\"{spot.name}\".")

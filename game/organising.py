"""What organisers set up, from the console or the CLI: accounts, neighbourhoods and rounds.

Each write is one use case: it checks its rules, writes its audit line and returns an Outcome;
the console and the CLI call the same one, so both leave the same trail.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.events import Event
from koppelkiek.game.ledger import lock, rescore
from koppelkiek.game.models import Neighbourhood, Organiser, Round
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.organisers import create_organiser, grant
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.players import join
from koppelkiek.game.rounds import (
    RULES,
    RoundSpec,
    apply_rules,
    change_state,
    create_round,
    reschedule,
)
from koppelkiek.game.rounds import checked_name as checked_round_name
from koppelkiek.game.screen_views import VIEWS
from koppelkiek.game.standings import set_leaderboard
from koppelkiek.game.words import checked_words, set_screen_languages


def add_organiser(session: Session, actor: Actor, email: str, password: str,
                  hoods: list[Neighbourhood], now: datetime) -> Outcome[Organiser]:
    organiser = create_organiser(session, email, password, now)
    for hood in hoods:
        grant(session, organiser, hood)
    audit(session, actor, "organiser_create", now, email=organiser.email,
          neighbourhoods=[hood.slug for hood in hoods])
    return Outcome(organiser)


def let_manage(session: Session, actor: Actor, organiser: Organiser, hood: Neighbourhood,
               now: datetime) -> Outcome[None]:
    grant(session, organiser, hood)
    audit(session, actor, "organiser_grant", now, neighbourhood_id=hood.id,
          email=organiser.email)
    return Outcome(None)


def add_neighbourhood(session: Session, actor: Actor, *, name: str, boundary: str | bytes,
                      timezone: str, now: datetime,
                      manager: Organiser | None) -> Outcome[Neighbourhood]:
    """`manager` manages it from the start: in the console the organiser who made it."""
    hood = create_neighbourhood(session, name=name, boundary=boundary, timezone=timezone,
                                now=now, organiser=manager)
    audit(session, actor, "neighbourhood_create", now, neighbourhood_id=hood.id, name=hood.name)
    return Outcome(hood)


def add_round(session: Session, actor: Actor, hood: Neighbourhood, spec: RoundSpec,
              now: datetime, rules: dict[str, object] | None = None) -> Outcome[Round]:
    """A draft round; a frozen leaderboard is frozen as it stands (empty), not left hidden."""
    rules = dict(rules or {})
    board_mode = rules.pop("leaderboard", None)
    rnd = create_round(session, hood, spec, now, rules)
    events = set_leaderboard(session, rnd, str(board_mode), now) if board_mode else []
    audit(session, actor, "round_create", now, neighbourhood_id=hood.id, round=rnd.id,
          name=rnd.name)
    return Outcome(rnd, tuple(events))


def edit_round(session: Session, actor: Actor, rnd: Round, spec: RoundSpec,
               rules: dict[str, object], now: datetime) -> Outcome[Round]:
    """New name, times and rules, under the same checks as a new round. New numbers apply to
    photos already taken, by compensating entries: the ledger stays true."""
    rules = dict(rules)
    board_mode = str(rules.pop("leaderboard", None) or rnd.leaderboard)
    lock(session, rnd)  # photos scored meanwhile wait, then count under the new rules
    before = {c: getattr(rnd, c) for c, _, _ in RULES}
    reschedule(rnd, spec)
    apply_rules(rnd, rules)
    after = {c: getattr(rnd, c) for c, _, _ in RULES}
    events = rescore(session, rnd, now, kind="rules_changed")
    events += set_leaderboard(session, rnd, board_mode, now)
    audit(session, actor, "round_rules", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, leaderboard=board_mode,
          changed={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return Outcome(rnd, tuple(events))


def word_round(session: Session, actor: Actor, rnd: Round,
               names: Mapping[str, str | None], screen: Collection[str],
               screen_seconds: int | None, languages: Collection[str],
               now: datetime) -> Outcome[Round]:
    """The round's name in other languages (each checked as the name is; a blank one falls back
    to the original) and the big screen's languages. Texts only: no points move. Audited when
    something changed (the round form sends them with every save)."""
    before = (rnd.words, rnd.screen_languages, rnd.screen_seconds)
    rnd.words = checked_words({lang: {"name": text} for lang, text in names.items()}, languages,
                              {"name": checked_round_name}) or None
    set_screen_languages(rnd, screen, screen_seconds, languages)
    if (rnd.words, rnd.screen_languages, rnd.screen_seconds) != before:
        audit(session, actor, "round_words", now, neighbourhood_id=rnd.neighbourhood_id,
              round=rnd.id, languages=sorted(rnd.words or {}), screen=rnd.screen_languages,
              screen_seconds=rnd.screen_seconds)
    return Outcome(rnd)


def move_round(session: Session, actor: Actor, rnd: Round, action: str,
               now: datetime) -> Outcome[Round]:
    """Start, pause or end a round."""
    event = change_state(session, rnd, action, now)
    audit(session, actor, f"round_{action}", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id)
    return Outcome(rnd, (event,))


def seed_demo(session: Session, actor: Actor, email: str, password: str, boundary: str,
              now: datetime) -> Outcome[Round]:
    """A demo: an organiser, a neighbourhood, a live round and four players."""
    organiser = add_organiser(session, actor, email, password, [], now).value
    hood = add_neighbourhood(session, actor, name="Hoograven (demo)", boundary=boundary,
                             timezone="Europe/Amsterdam", now=now, manager=organiser).value
    rnd = add_round(session, actor, hood, RoundSpec("Demo-middag", now - timedelta(minutes=5),
                                                    now + timedelta(hours=3)), now).value
    rnd.screen_views = ",".join(VIEWS)  # the demo screen shows every view in turn
    events = list(move_round(session, actor, rnd, "start", now).events)
    for name, team in [("Fatma", "Everstraat"), ("Ömer", "Marijkeweg"),
                       ("Jan", "Everstraat"), ("Sanne", None)]:
        events += join(session, rnd, display_name=name, team=team, now=now).events
    audit(session, actor, "demo_seed", now, neighbourhood_id=hood.id, round=rnd.id)
    return Outcome(rnd, tuple(events))


def rescore_round(session: Session, actor: Actor, rnd: Round,
                  now: datetime) -> Outcome[bool]:
    """The round's current rules over all its photos; True when any points moved."""
    events: list[Event] = rescore(session, rnd, now)
    audit(session, actor, "round_rescore", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id)
    return Outcome(bool(events), tuple(events))

"""Rounds: creating them, their rules, and moving them through draft → live ⇄ paused → ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from koppelkiek.game.codes import new_code, normalise, well_formed
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import RoundChanged
from koppelkiek.game.models import Neighbourhood, Round, RoundEvent
from koppelkiek.game.values import BrowserOnlyPhotos, LeaderboardMode, ModerationMode, RoundState

JOIN_CODE_LENGTH = 6

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[RoundState, ...], RoundState]] = {
    "start": ((RoundState.DRAFT, RoundState.PAUSED), RoundState.LIVE),
    "pause": ((RoundState.LIVE,), RoundState.PAUSED),
    "end": ((RoundState.LIVE, RoundState.PAUSED), RoundState.ENDED),
}

# (column, lowest, highest): the rules an organiser can set.
RULES: tuple[tuple[str, int, int], ...] = (
    ("points_first_meeting", 0, 1000),
    ("points_repeat_meeting", 0, 1000),
    ("max_repeats", 0, 100),
    ("points_across_teams", 0, 1000),
    ("points_welcome", 0, 1000),
    ("story_spot_bonus", 0, 1000),
    ("meeting_minutes", 1, 240),
    ("max_distance_m", 10, 100_000),
    ("max_browser_accuracy_m", 5, 10_000),
)
MODERATION_MODES = tuple(ModerationMode)
BROWSER_ONLY_MODES = tuple(BrowserOnlyPhotos)
LEADERBOARD_MODES = tuple(LeaderboardMode)


@dataclass(frozen=True)
class RoundSpec:
    name: str
    starts_at: datetime
    ends_at: datetime


def lock_round(session: Session, round_id: int) -> None:
    """Take the round's lock for the rest of the transaction: everything that changes points
    takes it first, before reading what an award depends on, so scoring is serialized per
    round across threads and processes and the lock's order is the scoring order.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE on the round's row: it excludes other lockers and
    `next_seq`, but not the key-share locks that inserting a photo or meeting (foreign keys to
    the round) takes, which FOR UPDATE would turn into deadlocks. SQLite: a write first (SQLite
    has one writer), which starts the transaction on the newest data; other writers wait
    their busy timeout.
    Taking it again in the same transaction costs a statement and is harmless.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Round).where(Round.id == round_id).values(seq=Round.seq))
    else:
        session.execute(select(Round.id).where(Round.id == round_id)
                        .with_for_update(key_share=True))


def next_seq(session: Session, round_id: int, kind: str, now: datetime,
             photo_id: int | None = None) -> int:
    """Hand out the round's next seq inside the caller's transaction (row lock on PostgreSQL)."""
    seq = session.execute(
        update(Round).where(Round.id == round_id).values(seq=Round.seq + 1).returning(Round.seq)
    ).scalar_one()
    session.add(RoundEvent(round_id=round_id, seq=seq, kind=kind, at=now, photo_id=photo_id))
    return int(seq)


def checked_name(typed: str) -> str:
    """A round's name (or its name in another language, game/words.py) as it will be shown."""
    name = " ".join((typed or "").split())
    if not 1 <= len(name) <= 120:
        raise GameError("round_name_invalid")
    return name


def checked_spec(spec: RoundSpec) -> RoundSpec:
    """A round's name and times as creating and editing both require them."""
    name = checked_name(spec.name)
    starts_at, ends_at = spec.starts_at, spec.ends_at
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise GameError("round_times_invalid")
    if ends_at <= starts_at:
        raise GameError("round_ends_before_start")
    if (ends_at - starts_at).days > 31:
        raise GameError("round_too_long")
    return RoundSpec(name, starts_at.astimezone(UTC), ends_at.astimezone(UTC))


def reschedule(rnd: Round, spec: RoundSpec) -> None:
    """A new name and new times for a round, under the same checks as a new round."""
    checked = checked_spec(spec)
    rnd.name, rnd.starts_at, rnd.ends_at = checked.name, checked.starts_at, checked.ends_at


def apply_rules(rnd: Round, rules: dict[str, object]) -> None:
    """The rule columns. Not the leaderboard mode: freezing it must keep the board as it was,
    so it changes only through game.standings.set_leaderboard."""
    if "leaderboard" in rules:
        raise TypeError("the leaderboard mode is set by game.standings.set_leaderboard")
    for column, low, high in RULES:
        if column in rules and rules[column] is not None:
            value = rules[column]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise GameError("rule_out_of_range", rule=column, low=low, high=high)
            setattr(rnd, column, value)
    if rules.get("moderation_mode") is not None:
        if rules["moderation_mode"] not in MODERATION_MODES:
            raise GameError("rule_out_of_range", rule="moderation_mode", low=0, high=0)
        rnd.moderation_mode = ModerationMode(rules["moderation_mode"])
    if rules.get("browser_only_photos") is not None:
        if rules["browser_only_photos"] not in BROWSER_ONLY_MODES:
            raise GameError("rule_out_of_range", rule="browser_only_photos", low=0, high=0)
        rnd.browser_only_photos = BrowserOnlyPhotos(rules["browser_only_photos"])
    if rules.get("require_location") is not None:
        rnd.require_location = bool(rules["require_location"])


def create_round(
    session: Session,
    hood: Neighbourhood,
    spec: RoundSpec,
    now: datetime,
    rules: dict[str, object] | None = None,
) -> Round:
    """A draft round; its leaderboard mode is set after it (game.organising.add_round)."""
    checked = checked_spec(spec)
    code = new_code(JOIN_CODE_LENGTH)
    while session.scalar(select(Round.id).where(Round.join_code == code)):
        code = new_code(JOIN_CODE_LENGTH)
    rnd = Round(
        neighbourhood_id=hood.id,
        name=checked.name,
        starts_at=checked.starts_at,
        ends_at=checked.ends_at,
        state=RoundState.DRAFT,
        join_code=code,
        seq=0,
        created_at=now,
    )
    session.add(rnd)
    apply_rules(rnd, rules or {})
    session.flush()
    return rnd


def change_state(session: Session, rnd: Round, action: str, now: datetime) -> RoundChanged:
    if action not in TRANSITIONS:
        raise GameError("round_action_unknown")
    allowed, target = TRANSITIONS[action]
    if rnd.state not in allowed:
        raise GameError("round_state_conflict", state=rnd.state, action=action)
    rnd.state = target
    session.flush()
    seq = next_seq(session, rnd.id, f"round_{action}", now)
    return RoundChanged(rnd.id, seq, rnd.state, rnd.starts_at, rnd.ends_at)


def is_playing(rnd: Round, now: datetime) -> bool:
    """Meetings count only while live and inside the round's times."""
    return rnd.state == RoundState.LIVE and rnd.starts_at <= now < rnd.ends_at


def check_playing(rnd: Round, now: datetime) -> None:
    """Refused outside play: after the end for good (round_ended: wait for the next round),
    else for now (round_not_live: paused, or not started yet)."""
    if is_playing(rnd, now):
        return
    if rnd.state == RoundState.ENDED or (rnd.state == RoundState.LIVE and now >= rnd.ends_at):
        raise GameError("round_ended")
    raise GameError("round_not_live")


def can_join(rnd: Round) -> None:
    if rnd.state == RoundState.DRAFT:
        raise GameError("round_not_open")
    if rnd.state == RoundState.ENDED:
        raise GameError("round_ended")


def by_join_code(session: Session, typed: str) -> Round | None:
    code = normalise(typed)
    if not well_formed(code, JOIN_CODE_LENGTH):
        return None
    return session.scalar(select(Round).where(Round.join_code == code))


@dataclass(frozen=True)
class RoundView:
    """A round as screens and phones are told about it (a value: no session needed after)."""

    id: int
    name: str
    state: RoundState
    starts_at: datetime
    ends_at: datetime
    join_code: str
    leaderboard: LeaderboardMode
    meeting_minutes: int

    @classmethod
    def of(cls, rnd: Round) -> RoundView:
        return cls(rnd.id, rnd.name, RoundState(rnd.state), rnd.starts_at, rnd.ends_at,
                   rnd.join_code, LeaderboardMode(rnd.leaderboard), rnd.meeting_minutes)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "state": self.state,
                "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "join_code": self.join_code}

"""The game's tables, in SQLAlchemy 2 typed style.

Every schema change gets an Alembic migration in migrations/versions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from koppelkiek.game.values import (
    BrowserOnlyPhotos,
    LeaderboardMode,
    ModerationMode,
    PhotoStatus,
    RoundState,
    Side,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; SQLite forgets tzinfo, so we give it back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Ids are signed 64-bit in every database; anything larger names nothing.
ROW_ID_MAX = (1 << 63) - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organiser(Base):
    __tablename__ = "organisers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(
        secondary="organiser_neighbourhoods", back_populates="organisers"
    )


class OrganiserNeighbourhood(Base):
    __tablename__ = "organiser_neighbourhoods"
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL"), index=True
    )
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class Neighbourhood(Base):
    __tablename__ = "neighbourhoods"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    boundary_geojson: Mapped[str] = mapped_column(Text)
    default_language: Mapped[str] = mapped_column(String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    organisers: Mapped[list[Organiser]] = relationship(
        secondary="organiser_neighbourhoods", back_populates="neighbourhoods"
    )
    rounds: Mapped[list[Round]] = relationship(back_populates="neighbourhood")
    spots: Mapped[list[StorySpot]] = relationship(back_populates="neighbourhood")


class StorySpot(Base):
    __tablename__ = "story_spots"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    story: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float, default=30.0)
    bonus: Mapped[int] = mapped_column(Integer, default=5)
    # The organiser's name and story in other languages: {"en": {"name": ..., "story": ...}}.
    words: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    # The resident who told this spot's story (a proposal), and whether they agreed to be named.
    teller_id: Mapped[int | None] = mapped_column(
        ForeignKey("players.id", ondelete="SET NULL"), nullable=True
    )
    teller_named: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="spots")
    teller: Mapped[Player | None] = relationship(foreign_keys=[teller_id])


class Round(Base):
    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=RoundState.DRAFT)  # RoundState
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # Rules, each a typed column the organiser can change.
    points_first_meeting: Mapped[int] = mapped_column(Integer, default=10)
    points_repeat_meeting: Mapped[int] = mapped_column(Integer, default=2)
    max_repeats: Mapped[int] = mapped_column(Integer, default=2)
    points_across_teams: Mapped[int] = mapped_column(Integer, default=3)
    points_welcome: Mapped[int] = mapped_column(Integer, default=2)
    story_spot_bonus: Mapped[int] = mapped_column(Integer, default=5)
    meeting_minutes: Mapped[int] = mapped_column(Integer, default=15)
    max_distance_m: Mapped[int] = mapped_column(Integer, default=100)
    max_browser_accuracy_m: Mapped[int] = mapped_column(Integer, default=75)
    require_location: Mapped[bool] = mapped_column(Boolean, default=True)
    moderation_mode: Mapped[str] = mapped_column(String(8), default=ModerationMode.POST)
    # A photo whose place came only from the browser (BrowserOnlyPhotos).
    browser_only_photos: Mapped[str] = mapped_column(String(8), default=BrowserOnlyPhotos.ACCEPT,
                                                     server_default="accept")
    leaderboard: Mapped[str] = mapped_column(String(8), default=LeaderboardMode.VISIBLE)
    # The board as it was when the organiser froze it (JSON), shown until they reveal it.
    frozen_board: Mapped[str | None] = mapped_column(Text)
    # The round's name in other languages: {"en": {"name": ...}} (game/words.py).
    words: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    # The big screen's languages, in turn ("nl,en"; empty: the screen's own), and their pace.
    screen_languages: Mapped[str] = mapped_column(String(64), default="", server_default="")
    screen_seconds: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # The big screen's views, in turn ("board,wall,web,map"; game/screen_views.py), and how
    # long each stays. "board" alone is the screen as it was before views: the console's form
    # for a new round offers all four.
    screen_views: Mapped[str] = mapped_column(String(64), default="board",
                                              server_default="board")
    screen_view_seconds: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    neighbourhood: Mapped[Neighbourhood] = relationship(back_populates="rounds")


class RoundEvent(Base):
    __tablename__ = "round_events"
    __table_args__ = (UniqueConstraint("round_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The photo a wall change is about, so a live feed can tell screens from the database alone.
    photo_id: Mapped[int | None] = mapped_column(Integer)


class Player(Base):
    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("neighbourhood_id", "name_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(128))
    # How the name looks (game.names.skeleton): a look-alike of a player's name is taken.
    name_skeleton: Mapped[str | None] = mapped_column(Text, index=True)
    team: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    device_secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    recovery_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    banned: Mapped[bool] = mapped_column(Boolean, default=False)
    # A resident without a smartphone: plays with a printed card of codes (game.cards).
    on_card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    neighbourhood: Mapped[Neighbourhood] = relationship()


class Participation(Base):
    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("round_id", "player_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[int] = mapped_column(
        ForeignKey("players.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    round: Mapped[Round] = relationship()
    player: Mapped[Player] = relationship()


class PairingCode(Base):
    __tablename__ = "pairing_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[int] = mapped_column(
        ForeignKey("players.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A code printed on a card player's card: it lives until used or revoked (a reprint).
    card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    player: Mapped[Player] = relationship()
    round: Mapped[Round] = relationship()


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_round_player_a", "round_id", "player_a_id"),
                      Index("ix_meetings_round_player_b", "round_id", "player_b_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    # A showed the code, B claimed it.
    player_a_id: Mapped[int] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"))
    player_b_id: Mapped[int] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"))
    pairing_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing_codes.id", ondelete="SET NULL")
    )
    met_at: Mapped[datetime] = mapped_column(UTCDateTime)
    photo_due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    a_lat: Mapped[float | None] = mapped_column(Float)
    a_lon: Mapped[float | None] = mapped_column(Float)
    a_accuracy_m: Mapped[float | None] = mapped_column(Float)
    b_lat: Mapped[float | None] = mapped_column(Float)
    b_lon: Mapped[float | None] = mapped_column(Float)
    b_accuracy_m: Mapped[float | None] = mapped_column(Float)
    # Photos refused for this meeting; at game.photos.REFUSALS_TO_CLOSE it closes.
    photo_refusals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    player_a: Mapped[Player] = relationship(foreign_keys=[player_a_id])
    player_b: Mapped[Player] = relationship(foreign_keys=[player_b_id])

    def side_of(self, player_id: int | None) -> Side | None:
        """Which side of this meeting a player is on; None for anyone else."""
        if player_id is None:
            return None
        if player_id == self.player_a_id:
            return Side.A
        return Side.B if player_id == self.player_b_id else None

    def partner_of(self, player_id: int) -> Player:
        """The other one of the two; only for someone who is in this meeting."""
        side = self.side_of(player_id)
        if side is None:
            raise ValueError(f"player {player_id} is not in meeting {self.id}")
        return self.player_b if side is Side.A else self.player_a


class Photo(Base):
    """The photo of one meeting. Only derived, metadata-free JPEGs are kept, never the original."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("players.id", ondelete="SET NULL"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # 64-bit dHash stored signed, as databases have no unsigned BIGINT.
    dhash: Mapped[int] = mapped_column(BigInteger)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_source: Mapped[str] = mapped_column(String(8))  # TimeSource
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_source: Mapped[str | None] = mapped_column(String(8))  # LocationSource
    flags: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16))  # PhotoStatus
    reason: Mapped[str | None] = mapped_column(String(200))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The round's seq when the photo was first accepted, under the round's lock: the order
    # in which photos are scored, and so the order of a replay.
    accepted_seq: Mapped[int | None] = mapped_column(Integer)
    # Story spots the place lies in ("3,7"), fixed when recorded and refreshed when spots
    # change, so a replay still knows them after an erase has dropped the place itself.
    spot_ids: Mapped[str | None] = mapped_column(String(400))
    consent_a: Mapped[bool | None] = mapped_column(Boolean)
    consent_b: Mapped[bool | None] = mapped_column(Boolean)
    # Images deleted (purge, or a player erased their data); the facts stay for the ledger.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("organisers.id",
                                                              ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting: Mapped[Meeting] = relationship()
    images: Mapped[list[PhotoImage]] = relationship(
        back_populates="photo", cascade="all, delete-orphan"
    )

    @hybrid_property
    def on_wall(self) -> bool:
        """The public wall: accepted, both people said yes, and its images are still here."""
        return (self.status == PhotoStatus.ACCEPTED and bool(self.consent_a)
                and bool(self.consent_b) and self.purged_at is None)

    @on_wall.inplace.expression
    @classmethod
    def _on_wall_expression(cls) -> ColumnElement[bool]:
        return and_(cls.status == PhotoStatus.ACCEPTED, cls.consent_a.is_(True),
                    cls.consent_b.is_(True), cls.purged_at.is_(None))

    def consent_of(self, player_id: int) -> bool | None:
        """What one of the two said about the wall; None while undecided (or not theirs)."""
        side = self.meeting.side_of(player_id)
        if side is None:
            return None
        return self.consent_a if side is Side.A else self.consent_b

    def set_consent_of(self, player_id: int, show: bool) -> None:
        side = self.meeting.side_of(player_id)
        if side is None:
            raise ValueError(f"player {player_id} is not in the meeting of photo {self.id}")
        if side is Side.A:
            self.consent_a = show
        else:
            self.consent_b = show


class PhotoImage(Base):
    __tablename__ = "photo_images"
    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # ImageKind
    # Not unique: the same picture may be played in two rounds (duplicates are per round).
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    photo: Mapped[Photo] = relationship(back_populates="images")


class PairMeeting(Base):
    """How often two players have had a scored photo in a round (low id first)."""

    __tablename__ = "pair_meetings"
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    player_low: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    player_high: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    meetings: Mapped[int] = mapped_column(Integer, default=0)


class SpotClaim(Base):
    """A player has earned a story spot's bonus in a round (once per player and spot)."""

    __tablename__ = "spot_claims"
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    spot_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class HashBand(Base):
    """One of a photo's seven dHash bands: two pictures within 6 bits of each other share at
    least one band exactly, so a near-duplicate search reads only the photos that do."""

    __tablename__ = "photo_hash_bands"
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )


class UploadAttempt(Base):
    """An Idempotency-Key that already succeeded: a retry gets the first answer."""

    __tablename__ = "upload_attempts"
    __table_args__ = (UniqueConstraint("player_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UploadSlot(Base):
    """A photo upload in flight: a player has at most game.photo_slots.IN_FLIGHT of them.

    Kept in the database, not in a process, so the bound holds across server processes.
    `holder` (host:pid) lets a restarted server free the slots of its dead predecessor.
    """

    __tablename__ = "upload_slots"
    __table_args__ = (UniqueConstraint("player_id", "slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScoreEntry(Base):
    """One change in points; append-only. Corrections are new entries that reverse old ones."""

    __tablename__ = "score_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"), index=True)
    spot_id: Mapped[int | None] = mapped_column(Integer)
    reverses: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Standing(Base):
    """A player's points in a round, kept in step with the ledger in the same transaction."""

    __tablename__ = "standings"
    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    meetings: Mapped[int] = mapped_column(Integer, default=0)
    last_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_order: Mapped[int] = mapped_column(Integer)
    # Banned with points reversed: the replay gives this player nothing in this round.
    forfeited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    player: Mapped[Player] = relationship()


class SpotProposal(Base):
    """A resident's story about a place, waiting for an organiser (game/proposals.py).

    Its photo is kept only as the intake's derived JPEGs, without metadata: never the original.
    Approved, it became the story spot `spot_id` (None again if that spot was deleted).
    """

    __tablename__ = "spot_proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    proposer_id: Mapped[int] = mapped_column(
        ForeignKey("players.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    story: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    wants_named: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # ProposalStatus
    reason: Mapped[str | None] = mapped_column(String(32))  # a rejection's reason code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL"))
    spot_id: Mapped[int | None] = mapped_column(
        ForeignKey("story_spots.id", ondelete="SET NULL"))
    display_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    thumb_hash: Mapped[str | None] = mapped_column(String(64))
    display_jpeg: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    thumb_jpeg: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    proposer: Mapped[Player] = relationship()

"""Refusals of the game, each with a stable code from one closed set; the web layer maps each
code to its HTTP status and its text (koppelkiek/errors.py, koppelkiek/messages.py)."""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

# Every code the game may refuse with. A code is part of the API: add, never rename.
Code = Literal[
    # general
    "bad_request",
    "not_found",
    # organisers
    "email_invalid",
    "password_too_short",
    "organiser_exists",
    # neighbourhoods
    "neighbourhood_name_invalid",
    "timezone_unknown",
    "geojson_too_deep",
    "boundary_not_json",
    "boundary_wrong_type",
    "boundary_empty",
    "boundary_bad_coordinates",
    "boundary_out_of_range",
    "boundary_too_few_points",
    "boundary_not_closed",
    "boundary_self_intersecting",
    "boundary_too_small",
    "boundary_too_large",
    # rounds
    "round_name_invalid",
    "round_times_invalid",
    "round_ends_before_start",
    "round_too_long",
    "rule_out_of_range",
    "round_action_unknown",
    "round_state_conflict",
    "round_not_open",
    "round_ended",
    "round_not_ended",
    "join_code_unknown",
    # players
    "display_name_invalid",
    "display_name_taken",
    "team_invalid",
    "already_joined",
    "recovery_code_unknown",
    "not_in_round",
    # meetings
    "pairing_code_unknown",
    "pairing_code_expired",
    "pairing_code_used",
    "pairing_code_revoked",
    "cannot_meet_yourself",
    "round_not_live",
    "position_required",
    "too_far_apart",
    # photos
    "not_your_meeting",
    "meeting_has_photo",
    "meeting_expired",
    "meeting_closed",
    "no_location",
    "photo_location_required",
    "outside_neighbourhood",
    "photo_not_from_meeting",
    "duplicate_photo",
    "photo_removed",
    # story spots
    "spot_name_invalid",
    "spot_story_too_long",
    "spot_coordinates_invalid",
    "spot_outside_neighbourhood",
    "spot_radius_out_of_range",
    "spot_bonus_out_of_range",
    "spot_import_not_json",
    "spot_import_not_collection",
    "spot_import_empty",
    "spot_import_too_many",
    "spot_import_not_point",
    "spot_import_bad_property",
    "spot_import_feature",
    # residents' story spot proposals
    "spot_story_invalid",
    "proposal_decided",
    "proposal_reason_unknown",
    # the organiser's words in other languages
    "language_unknown",
    # the big screen's views
    "screen_view_unknown",
]

CODES: frozenset[str] = frozenset(get_args(Code))


class GameError(Exception):
    """A rule of the game said no. `code` is stable and part of the API; `params` fill in its
    message (`retry_after`, when present, says in how many seconds trying again helps)."""

    codes: ClassVar[frozenset[str]] = CODES  # the closed set this kind of refusal draws from

    def __init__(self, code: Code, **params: object) -> None:
        if code not in self.codes:
            raise ValueError(f"unknown refusal code: {code!r}")
        super().__init__(code)
        self.code: str = code
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"

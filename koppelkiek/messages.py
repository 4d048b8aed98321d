"""What each refusal tells the person, in their language, including what to do next."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

MESSAGES: dict[str, Any] = {
    # general
    "bad_request": _l("Something in that request was not right. Go back and try again."),
    "not_found": _l("We could not find that page. Check the link, or ask the organiser."),
    "method_not_allowed": _l("That does not work here. Go back and use the buttons on the page."),
    "too_many_attempts": _l("Too many tries in a short time. Wait a minute, then try again."),
    "request_too_large": _l("That upload is too large. Choose a smaller file."),
    "csrf_failed": _l("This form was open too long or came from elsewhere. Reload the page and "
                      "try again."),
    "not_joined": _l("You have not joined a round on this phone yet. Scan the poster's QR code, "
                     "or use your recovery code."),
    "login_required": _l("Please log in as an organiser first."),
    "login_failed": _l("That e-mail address and password do not match. Try again."),
    "invalid_json": _l("The request was not valid JSON."),
    "field_invalid": _l("A field has a wrong value: %(field)s."),
    # organisers
    "email_invalid": _l("That is not a valid e-mail address."),
    "password_too_short": _l("Choose a password of at least %(minimum)s characters."),
    "organiser_exists": _l("There is already an organiser with that e-mail address."),
    # neighbourhoods
    "neighbourhood_name_invalid": _l("Give the neighbourhood a name of 1 to 120 characters."),
    "timezone_unknown": _l("We do not know the timezone \"%(timezone)s\". Use a name such as "
                           "Europe/Amsterdam."),
    "boundary_missing": _l("Choose a GeoJSON file with the neighbourhood's boundary."),
    "boundary_not_json": _l("The boundary file is not GeoJSON (not valid JSON). Export it again "
                            "as GeoJSON, for example from geojson.io."),
    "boundary_wrong_type": _l("The boundary must be a Polygon or MultiPolygon (also inside a "
                              "Feature or FeatureCollection); this file holds \"%(found)s\"."),
    "boundary_empty": _l("The FeatureCollection holds no shapes. Draw the boundary first."),
    "boundary_bad_coordinates": _l("The boundary's coordinates are not pairs of numbers."),
    "boundary_out_of_range": _l("The coordinates are outside longitude -180…180 and latitude "
                                "-90…90. Use WGS84 (EPSG:4326), not Dutch RD coordinates."),
    "boundary_too_few_points": _l("Each ring of the boundary needs at least three corners."),
    "boundary_not_closed": _l("The boundary is not closed: each ring must end at its first "
                              "point."),
    "boundary_self_intersecting": _l("The boundary crosses itself (%(detail)s). Redraw it so the "
                                     "edges do not cross."),
    "boundary_too_small": _l("The boundary is tiny (%(area)s m²). Check that you drew the whole "
                             "neighbourhood."),
    "boundary_too_large": _l("The boundary is very large (%(area_km2)s km²). Draw just the "
                             "neighbourhood."),
    # rounds
    "round_name_invalid": _l("Give the round a name of 1 to 120 characters."),
    "round_times_invalid": _l("Enter a start and an end time."),
    "round_ends_before_start": _l("The round must end after it starts."),
    "round_too_long": _l("A round can last at most 31 days."),
    "rule_out_of_range": _l("The rule %(rule)s must be between %(low)s and %(high)s."),
    "round_action_unknown": _l("Unknown action for a round."),
    "round_state_conflict": _l("A round that is %(state)s cannot do \"%(action)s\"."),
    "round_not_open": _l("This round has not opened yet. Try again when the organiser starts "
                         "it."),
    "round_ended": _l("This round has ended. Look out for the next one!"),
    "join_code_unknown": _l("We do not know that join code. Check the poster and try again."),
    # players
    "display_name_invalid": _l("Choose a name of 1 to 24 letters, without special characters."),
    "display_name_taken": _l("The name \"%(name)s\" is already taken in this neighbourhood. "
                             "Choose another one, or use your recovery code if it is you."),
    "team_invalid": _l("The team name is too long or has special characters."),
    "recovery_code_unknown": _l("We do not know that recovery code. Check it and try again, or "
                                "ask the organiser for a new one."),
    "not_in_round": _l("One of you is not taking part in this round. Join via the poster "
                       "first."),
    # meetings
    "pairing_code_unknown": _l("We do not know this code. Check the six characters, or ask your "
                               "neighbour to show their code again."),
    "pairing_code_expired": _l("This code has expired. Ask your neighbour to show their code "
                               "again and scan the new one."),
    "pairing_code_used": _l("This code has already been used. Ask your neighbour for their "
                            "new code."),
    "pairing_code_revoked": _l("This code is from an old card that was replaced. Ask your "
                               "neighbour for their new card, or ask at the desk."),
    "cannot_meet_yourself": _l("That is your own code! Scan the code on your neighbour's "
                               "phone."),
    "round_not_live": _l("The round is not running right now, so meetings do not count. Check "
                         "the time on the poster."),
    # photos
    "photo_missing": _l("No photo arrived. Take the photo again and send it."),
    "photo_too_large": _l("That photo is too large to send. Take a new photo with the camera "
                          "button and send that one."),
    "unsupported_type": _l("That is not a photo we can read. Send a JPEG, PNG, HEIC or WebP "
                           "photo from your camera."),
    "image_too_large": _l("That picture has far too many pixels. Take a normal photo with your "
                          "phone's camera."),
    "image_broken": _l("That photo arrived damaged, perhaps because the connection broke. Try "
                       "sending it again."),
    "image_too_small": _l("That picture is too small. Take a real photo with the camera."),
    "no_location": _l("Your phone didn't share its location. Allow location for this site and "
                      "try again."),
    "outside_neighbourhood": _l("This photo was taken outside the neighbourhood. Take your "
                                "photo inside the game area."),
    "photo_not_from_meeting": _l("This photo was not taken during your meeting. Take a new "
                                 "photo together now."),
    "meeting_expired": _l("The time for this meeting's photo has passed. Meet again: scan a "
                          "new code."),
    "meeting_has_photo": _l("This meeting already has its photo. Go and meet someone new!"),
    "not_your_meeting": _l("This is not your meeting. Only the two people who met can send its "
                           "photo."),
    "duplicate_photo": _l("This photo (or one very like it) was already sent in this round. "
                          "Take a new photo together."),
    "round_not_ended": _l("Photos can be deleted once the round has ended. End the round "
                          "first."),
    "too_far_apart": _l("Your phones seem to be %(metres)s m apart. Stand next to each other "
                        "and try again."),
    # fair play (issue 12)
    "position_required": _l("A meeting counts only when both phones share their location. "
                            "Allow location for this site: tap the lock or (i) next to the web "
                            "address, set Location to Allow, and reload the page. The phone "
                            "showing the code must allow it too; then scan a fresh code."),
    "photo_location_required": _l("In this round a photo needs its place in the file itself "
                                  "(GPS). Allow location for your phone's camera, take the photo "
                                  "with the camera and send it again."),
    "already_joined": _l("This phone already plays in this round as %(name)s. One phone is one "
                         "player: open your own page at %(url)s"),
    "idempotency_key_reused": _l("That Idempotency-Key was already used for another meeting. "
                                 "Send a new key with each photo."),
    # story spots
    "spot_name_invalid": _l("Give the story spot a name of 1 to %(maximum)s characters."),
    "spot_story_too_long": _l("The story is too long (%(length)s characters). Keep it to "
                              "%(maximum)s characters."),
    "spot_coordinates_invalid": _l("Those are not a latitude and longitude. Enter decimal "
                                   "degrees (WGS84), such as 52.0760 and 5.1240, or click on "
                                   "the map."),
    "spot_outside_neighbourhood": _l("That point lies outside the neighbourhood's boundary. "
                                     "Choose a place inside it."),
    "spot_radius_out_of_range": _l("The radius must be between %(low)s and %(high)s metres."),
    "spot_bonus_out_of_range": _l("The bonus must be a whole number from %(low)s to %(high)s "
                                  "points."),
    "spot_import_missing": _l("Choose a GeoJSON file with the story spots."),
    "spot_import_not_json": _l("The spots file is not GeoJSON (not valid JSON). Export it again "
                               "as GeoJSON."),
    "spot_import_not_collection": _l("The spots file must be a GeoJSON FeatureCollection of "
                                     "points."),
    "spot_import_empty": _l("The FeatureCollection holds no spots."),
    "spot_import_too_many": _l("A spots file can hold at most %(maximum)s spots."),
    "spot_import_not_point": _l("It is not a Point feature. Each spot must be a single point."),
    "spot_import_bad_property": _l("The property \"%(property)s\" has the wrong type: name and "
                                   "story are text, radius_m and bonus are numbers."),
    "spot_import_feature": _l("Nothing was imported. Feature %(index)s (counting from 0, as in "
                              "the file's \"features\" list) has a problem: %(reason)s"),
    # residents' story spot proposals
    "spot_story_invalid": _l("The story holds characters that cannot be shown. Type it again "
                             "as plain text."),
    "proposal_decided": _l("This proposal was already approved or rejected."),
    "proposal_reason_unknown": _l("Choose one of the reasons in the list."),
    # the organiser's words in other languages
    "language_unknown": _l("The language \"%(language)s\" is not offered here. Choose one from "
                           "the list."),
    # the big screen's views
    "screen_view_unknown": _l("The big screen has no view \"%(view)s\". Choose from the list."),
    # no 500 for any input (issue 11)
    "photo_removed": _l("This photo was removed: a player deleted their data, or the round's "
                        "photos were cleared. Your points stay."),
    "storage_unavailable": _l("The server cannot save anything right now. Wait a few minutes "
                              "and try again; tell the organiser if it keeps happening."),
    "internal_error": _l("Something went wrong on our side. Try again; if it keeps happening, "
                         "tell the organiser this number: %(request_id)s."),
    "geojson_too_deep": _l("The GeoJSON file is nested far too deeply to be a map shape. Export "
                           "it again as plain GeoJSON, for example from geojson.io."),
    # intake under load and attack
    "busy": _l("The server is very busy right now. Your phone tries again in a few "
        "seconds; keep this page open."),
    "upload_too_slow": _l("Your connection is too slow to send this. Move to a spot with better "
        "signal or WiFi and try again."),
    "upload_in_progress": _l("Your phone is already sending %(limit)s photos. Wait until they are "
        "done, then try again."),
    "too_many_photos": _l("You sent too many photos in a short time. Wait a minute, then try "
        "again."),
    "meeting_closed": _l("This meeting had %(refusals)s photos refused, so it is closed. Meet "
        "again: scan a new code."),
    "image_too_complex": _l("That picture takes too much work to read. Take a normal photo with "
        "your phone's camera."),
}


def message(code: str, params: dict[str, object] | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return gettext("Something went wrong (%(code)s). Try again.", code=code)
    text = str(template)
    if params:
        # A message without that placeholder keeps its plain text.
        with suppress(KeyError, TypeError, ValueError):
            text = text % dict(params)
    return text

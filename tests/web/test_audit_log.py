"""Issue 15 item 10: the audit log reads as words. Each action is named in the organiser's
language, the time is the neighbourhood's local time, and the details are text, not JSON."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from tests.helpers import World, csrf_from

ROW = re.compile(r'<tr data-action="([a-z_]+)"><td class="when"><time datetime="([^"]+)">'
                 r"([^<]*)</time></td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")


def audit_rows(org: FlaskClient, lang: str) -> dict[str, tuple[str, str, str, str]]:
    """The log page's rows by stored action: (when, who, action in words, details)."""
    org.set_cookie("kk_lang", lang)
    page = org.get("/organise/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = {m[0]: tuple(html.unescape(x) for x in m[2:]) for m in ROW.findall(text)}
    assert rows, "no log rows found"
    assert "{" not in text.split('data-testid="audit"')[1], "raw JSON in the log"
    return rows  # type: ignore[return-value]


def pause_and_change_rules(world: World, rules: bool = True) -> FlaskClient:
    org = world.organiser_client()
    url = f"/organise/rounds/{world.round_id}"
    page = org.get(url).get_data(as_text=True)
    assert org.post(f"{url}/state", data={"action": "pause",
                                          "csrf_token": csrf_from(page)}).status_code == 302
    if not rules:
        return org
    page = org.get(url).get_data(as_text=True)
    res = org.post(f"{url}/rules", data={
        "name": "Zomerronde", "starts": "2026-06-13T14:50", "ends": "2026-06-13T18:00",
        "points_first_meeting": "12", "moderation_mode": "post", "leaderboard": "hidden",
        "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    return org


def test_the_audit_log_names_actions_in_words_at_local_time(world: World) -> None:
    org = pause_and_change_rules(world)  # at 13:00 UTC: 15:00 in Amsterdam (summer time)

    rows = audit_rows(org, "nl")
    when, who, action, details = rows["round_pause"]
    assert (when, who, action) == ("2026-06-13 15:00:00 CEST", world.organiser_email,
                                   "Ronde gepauzeerd")
    assert details == "Ronde: Zomerronde"
    _, _, action, details = rows["round_rules"]
    assert action == "Tijden en regels gewijzigd"
    assert details == ("Ronde: Zomerronde · Stand: Verborgen · "
                       "Gewijzigd: Punten voor een eerste ontmoeting: 10 → 12")

    rows = audit_rows(org, "en")
    assert rows["round_pause"] == ("2026-06-13 15:00:00 CEST", world.organiser_email,
                                   "Round paused", "Round: Zomerronde")
    assert rows["round_rules"][2:] == ("Times and rules changed", (
        "Round: Zomerronde · Leaderboard: Hidden · "
        "Changed: Points for a first meeting: 10 → 12"))

    # The dashboard's recent actions read the same way.
    page = org.get("/organise/").get_data(as_text=True)
    assert "Round paused" in page and "round_pause</td>" not in page


def test_the_time_is_the_neighbourhoods_own(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = World(app, clock).seed(timezone="Asia/Tokyo")
    org = pause_and_change_rules(world, rules=False)
    assert audit_rows(org, "en")["round_pause"][0] == "2026-06-13 22:00:00 JST"

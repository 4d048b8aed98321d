"""Card players in the console: add one at the desk, print their card (A6 or A4), reprint it,
and record their answer to the wall for each photo (game/cards.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.cards import (
    CARD_CODES,
    add_card_player,
    card_codes,
    card_player,
    desk_consent,
    reprint_card,
)
from koppelkiek.game.photos import image, my_meetings, removed
from koppelkiek.game.values import ImageKind
from koppelkiek.identity import acting_organiser, now, organiser_required, organiser_round
from koppelkiek.outcomes import commit
from koppelkiek.qr import public_url, svg

bp = Blueprint("cards", __name__, url_prefix="/organise/rounds/<int:round_id>")
SIZES = ("a6", "a4")


class CardPlayerForm(FlaskForm):
    # Long enough to reach the game's own name check, which gives the clear message.
    display_name = StringField(validators=[InputRequired(), Length(max=200)])
    team = StringField(validators=[Optional(), Length(max=200)])


class ConsentForm(FlaskForm):
    show = HiddenField(validators=[InputRequired()])


class ActionForm(FlaskForm):
    pass


@bp.post("/players/card")
@organiser_required
def add_card(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    form = CardPlayerForm()
    if not form.validate_on_submit():
        raise Refusal("display_name_invalid")
    card = commit(add_card_player(db_session(), acting_organiser(), rnd,
                                  display_name=form.display_name.data,
                                  team=(form.team.data or "").strip() or None, now=now()))
    flash(gettext("%(name)s plays with a card. Print it below.", name=card.player.display_name))
    return redirect(url_for("cards.card_page", round_id=rnd.id, player_id=card.player.id))


@bp.get("/players/<int:player_id>/card")
@organiser_required
def card_page(round_id: int, player_id: int) -> Any:
    rnd = organiser_round(round_id)
    s = db_session()
    player = card_player(s, rnd, player_id)
    photos = []
    for mine in my_meetings(s, player, rnd.id):
        if mine.photo is None or removed(mine.photo):
            continue
        thumb = image(mine.photo, ImageKind.THUMB)
        photos.append({"photo": mine.photo, "partner": mine.partner, "consent": mine.my_consent,
                       "thumb_url": url_for("photos.image_file",
                                            content_hash=thumb.content_hash)})
    return render_template("organise/card_player.html", rnd=rnd, player=player,
                           codes=card_codes(s, player, rnd), photos=photos, sizes=SIZES,
                           form=ActionForm())


@bp.get("/players/<int:player_id>/card/print")
@organiser_required
def card_print(round_id: int, player_id: int) -> Any:
    rnd = organiser_round(round_id)
    s = db_session()
    player = card_player(s, rnd, player_id)
    size = request.args.get("size", "a6")
    if size not in SIZES:
        raise Refusal("not_found")
    # The same URL a phone's own code carries: a phone camera opens the claim.
    codes = [{"code": c.code, "used": c.used_at is not None,
              "qr": svg(public_url(url_for("meet.scanned", code=c.code)), border=1)}
             for c in card_codes(s, player, rnd)]
    # The card is handed out in a Dutch street, like the poster: Dutch.
    with force_locale("nl"):
        return render_template("organise/card_print.html", rnd=rnd, player=player, codes=codes,
                               size=size, count=CARD_CODES, scan_url=public_url("/scan"))


@bp.post("/players/<int:player_id>/card/reprint")
@organiser_required
def card_reprint(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(reprint_card(db_session(), acting_organiser(), rnd, player_id, now()))
    flash(gettext("New card made. The codes of the old card no longer work."))
    return redirect(url_for("cards.card_page", round_id=rnd.id, player_id=player_id))


@bp.post("/players/<int:player_id>/photos/<int:photo_id>/consent")
@organiser_required
def card_consent(round_id: int, player_id: int, photo_id: int) -> Any:
    form = ConsentForm()
    if not form.validate_on_submit() or form.show.data not in ("yes", "no"):
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(desk_consent(db_session(), acting_organiser(), rnd, player_id, photo_id,
                        form.show.data == "yes", now()))
    flash(gettext("Answer saved."))
    return redirect(url_for("cards.card_page", round_id=rnd.id, player_id=player_id)
                    + f"#photo-{photo_id}")

"""The neighbourhood report in the console: per round and across a neighbourhood's rounds, as a
print-ready page (A4) with the street matrix as a heat table, and as CSV (a ZIP) or JSON; and
at the command line, `koppelkiek report SLUG [--round ID] [--json]`.

Organisers only, like the exports: someone else's round or neighbourhood is a 404. The page is
only read; every download (CSV, JSON) adds a line to the audit log.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Blueprint, Response, current_app, render_template
from flask.cli import with_appcontext
from flask_babel import format_date, format_percent, gettext
from sqlalchemy import select

from koppelkiek.db import db
from koppelkiek.db import session as db_session
from koppelkiek.exports import attachment
from koppelkiek.game.audit import CONSOLE
from koppelkiek.game.models import Neighbourhood, Round
from koppelkiek.game.report import (
    SMALL_STREET,
    Report,
    download_report,
    neighbourhood_report,
    report_csv,
    report_json,
    round_report,
)
from koppelkiek.identity import (
    acting_organiser,
    now,
    organiser_neighbourhood,
    organiser_required,
    organiser_round,
)
from koppelkiek.outcomes import commit

bp = Blueprint("report", __name__, url_prefix="/organise")

HEAT_STEPS = 5  # the legend's swatches, from no meetings to the busiest cell


def other_streets() -> str:
    return gettext("Other streets")


def _share(value: float | None) -> str:
    return "–" if value is None else format_percent(value)


def _day(report: Report, when: Any) -> str:
    return format_date(when.astimezone(ZoneInfo(report.neighbourhood.timezone)).date(), "medium")


def shade(n: int, top: int) -> float:
    """How dark a cell is (0..1): darker for more meetings, never in the middle band where
    neither dark nor white numbers are readable (WCAG AA, 4.5:1, on report.css's colours).
    The quieter half of the cells gets 0.1-0.55 with dark numbers, the busier half 0.8-1
    with white ones; a cell without meetings stays blank."""
    if n <= 0 or top <= 0:
        return 0.0
    share = n / top
    return 0.1 + 0.9 * share if share <= 0.5 else 0.8 + 0.4 * (share - 0.5)


def _page(report: Report) -> str:
    top = report.busiest_cell
    legend = sorted({round(top * i / (HEAT_STEPS - 1)) for i in range(HEAT_STEPS)}) if top else [0]
    return render_template(
        "organise/report.html", report=report, hood=report.neighbourhood, rnd=report.round,
        small_street=SMALL_STREET, other=other_streets(), share=_share,
        day=lambda when: _day(report, when), legend=legend,
        heat=lambda n: shade(n, top))


def _download(report: Report, fmt: str, name: str) -> Response:
    if fmt == "json":
        data, mimetype = report_json(report), "application/json"
    else:
        data, mimetype = report_csv(report, other_streets(), now()), "application/zip"
    data = commit(download_report(db_session(), acting_organiser(), report, fmt, data, now()))
    return attachment(Response(data, mimetype=mimetype),
                      f"{name}.{'json' if fmt == 'json' else 'zip'}")


@bp.get("/rounds/<int:round_id>/report")
@organiser_required
def round_page(round_id: int) -> Any:
    return _page(round_report(db_session(), organiser_round(round_id)))


@bp.get("/rounds/<int:round_id>/report.<any(csv, json):fmt>")
@organiser_required
def round_download(round_id: int, fmt: str) -> Any:
    report = round_report(db_session(), organiser_round(round_id))
    return _download(report, fmt, f"round-{round_id}-report")


@bp.get("/neighbourhoods/<slug>/report")
@organiser_required
def neighbourhood_page(slug: str) -> Any:
    return _page(neighbourhood_report(db_session(), organiser_neighbourhood(slug)))


@bp.get("/neighbourhoods/<slug>/report.<any(csv, json):fmt>")
@organiser_required
def neighbourhood_download(slug: str, fmt: str) -> Any:
    hood = organiser_neighbourhood(slug)
    return _download(neighbourhood_report(db_session(), hood), fmt, f"{hood.slug}-report")


@click.command("report")
@click.argument("slug")
@click.option("--round", "round_id", type=int, help="One round of the neighbourhood only.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def report_command(slug: str, round_id: int | None, as_json: bool) -> None:
    """A neighbourhood's report: residents, who came back, new connections, streets met.

    Aggregated only: no person is named; small streets count together as "other streets"."""
    with db.sessions(current_app)() as s:
        hood = s.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
        if hood is None:
            raise click.ClickException(f"no neighbourhood {slug}")
        rnd = s.get(Round, round_id) if round_id is not None else None
        if round_id is not None and (rnd is None or rnd.neighbourhood_id != hood.id):
            raise click.ClickException(f"no round {round_id} in {hood.slug}")
        report = round_report(s, rnd) if rnd else neighbourhood_report(s, hood)
        data = commit(download_report(s, CONSOLE, report, "json", report_json(report), now()), s)
        if as_json:
            click.echo(data.decode("utf-8"), nl=False)
            return
        f = report.figures
        click.echo(f"{hood.name}{f' / {rnd.name}' if rnd else ''}: {f.residents} residents, "
                   f"{f.came_back} came back, {f.meetings} meetings, "
                   f"{f.new_connections} new connections.")
        for street in report.streets:
            click.echo(f"  {street.name or 'other streets'}: {street.players} players, "
                       f"{street.meetings} meetings, {street.across} with other streets")

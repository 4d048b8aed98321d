"""The organiser's maps (Leaflet, koppelkiek/static/console_map.js): which tile server they use.

Console templates read these, and the one phone page where a resident tells a story about a
place (templates/propose_spot.html). The screen and other phone pages never load a map or
anything from another site.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app

bp = Blueprint("maps", __name__)


@bp.app_context_processor
def map_settings() -> dict[str, Any]:
    return {
        "map_tiles": current_app.config.get("MAP_TILES") or "",
        "map_attribution": current_app.config.get("MAP_ATTRIBUTION") or "",
        "as_json": lambda value: json.dumps(value, separators=(",", ":")),
    }

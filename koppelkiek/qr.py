"""QR codes as crisp SVG, and the public URLs they carry."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from flask import current_app, request


def public_url(path: str) -> str:
    """KOPPELKIEK_PUBLIC_URL wins, for servers behind a proxy; else the host we were asked on."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


def svg(data: str, *, border: int = 2) -> str:
    """High contrast path-based SVG: one element, scales to any size."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=border,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    qr.add_data(data)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out)
    text = out.getvalue().decode()
    text = text[text.index("<svg") :]
    # Let CSS size it, and keep the modules sharp when scaled.
    size = re.compile(r'<svg width="[^"]*" height="[^"]*"')
    return size.sub('<svg shape-rendering="crispEdges"', text, count=1)

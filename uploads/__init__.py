"""Photo intake: bytes in, facts and derived JPEGs out. Pillow, pillow-heif and exifread only."""

from koppelkiek.uploads.dhash import hamming
from koppelkiek.uploads.errors import IntakeError
from koppelkiek.uploads.facts import DerivedImages, Intake, PhotoFacts
from koppelkiek.uploads.intake import take_in
from koppelkiek.uploads.location import LocationSource, Position, choose_location, distance_m
from koppelkiek.uploads.taken_at import to_utc

__all__ = [
    "DerivedImages",
    "Intake",
    "IntakeError",
    "LocationSource",
    "PhotoFacts",
    "Position",
    "choose_location",
    "distance_m",
    "hamming",
    "take_in",
    "to_utc",
]

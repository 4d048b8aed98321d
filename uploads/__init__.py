"""Photo intake: bytes in, facts and derived JPEGs out. Pillow, pillow-heif and exifread only."""

from uploads.dhash import hamming
from uploads.errors import IntakeError
from uploads.facts import DerivedImages, Intake, PhotoFacts
from uploads.intake import take_in
from uploads.location import LocationSource, Position, choose_location, distance_m
from uploads.taken_at import to_utc

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

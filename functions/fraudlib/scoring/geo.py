"""Great-circle distances between transactions, from coordinates or country centroids."""

from __future__ import annotations

import math

from fraudlib.scores import Transaction
from fraudlib.scoring.centroids import COUNTRY_CENTROIDS

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against a rounding error pushing the argument of asin just above 1.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_between(first: Transaction, second: Transaction) -> tuple[float, str] | None:
    """Distance in km between where two transactions happened, and how it was measured.

    Exact coordinates are used only when both transactions carry them; otherwise both fall back to
    their country's centroid (mixing a precise point with a centroid would invent distance).
    Returns None when neither way is possible (unknown or missing country).
    """
    if (
        first.latitude is not None
        and first.longitude is not None
        and second.latitude is not None
        and second.longitude is not None
    ):
        return haversine_km(first.latitude, first.longitude, second.latitude, second.longitude), "coordinates"
    if first.country is None or second.country is None:
        return None
    if first.country == second.country:
        return 0.0, "country"
    a = COUNTRY_CENTROIDS.get(first.country)
    b = COUNTRY_CENTROIDS.get(second.country)
    if a is None or b is None:
        return None
    return haversine_km(a[0], a[1], b[0], b[1]), "country"

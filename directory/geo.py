"""Places and distances.

Where a visitor searches from ("78701", "Denver, CO", or "30.27,-97.74" from the
browser) is resolved offline, from the US ZIP code gazetteer that ships inside
the `zipcodes` package (USPS ZIP codes with their centroid, primary city,
other accepted city names, state and IANA timezone). No visitor's search ever
leaves the server.

Distances are computed by the database, so a search filters and sorts in SQL:
`bounding_box()` gives the cheap, indexed prefilter and `distance_expression()`
the exact great-circle distance, built from Django's database functions so it
runs the same on SQLite and PostgreSQL.
"""

import gc
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import zipcodes
from django.conf import settings
from django.db.models import F, FloatField, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext

from directory.codes import US_REGIONS

# The mean Earth radius (6371.009 km), the one geopy's great_circle uses.
EARTH_RADIUS_MILES = 6371.009 / 1.609344
MILES_PER_DEGREE_LATITUDE = EARTH_RADIUS_MILES * math.pi / 180

_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_COORDINATES = re.compile(r"^(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$")
# "Denver, CO", "Denver, Colorado" or "Denver CO".
_CITY_STATE = re.compile(
    r"^(?P<city>[^,]+?)\s*,\s*(?P<state>[A-Za-z .]+)$|^(?P<city2>[^,]+?)\s+(?P<state2>[A-Za-z]{2})$"
)
_REGION_BY_NAME = {name.lower(): code for code, name in US_REGIONS.items()}
# How far from the nearest ZIP centroid a point may be and still count as in that state.
_REGION_REACH_MILES = 60


class PlaceNotFound(Exception):
    """The text names no place the gazetteer knows."""


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    region: str = ""  # US state code, "" when unknown (a point outside the US)
    label: str = ""  # how to show it back to the visitor
    timezone: str = ""


@dataclass(frozen=True)
class Box:
    south: float
    north: float
    west: float
    east: float


def locate(text):
    """Resolve a ZIP code, "City, ST" or "lat,lng" to a Place, or raise PlaceNotFound."""
    text = " ".join(text.split())
    if match := _COORDINATES.match(text):
        latitude, longitude = float(match[1]), float(match[2])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise PlaceNotFound(text)
        nearest = _gazetteer().nearest(latitude, longitude)
        region = nearest.region if nearest else ""
        label = (
            gettext("near %(city)s, %(state)s") % {"city": nearest.city, "state": nearest.region}
            if nearest
            else gettext("your location")
        )
        timezone = nearest.timezone if nearest else ""
        return Place(latitude, longitude, region, label, timezone)
    if match := _ZIP.match(text):
        place = _gazetteer().by_zip.get(match[1])
        if place is None:
            raise PlaceNotFound(text)
        return place
    if match := _CITY_STATE.match(text):
        region = region_code(match["state"] or match["state2"])
        place = _gazetteer().by_city.get((_city_key(match["city"] or match["city2"]), region))
        if place is None:
            raise PlaceNotFound(text)
        return place
    raise PlaceNotFound(text)


def locate_listing(*, postal_code="", city="", region=""):
    """The gazetteer's point for a listing's postal code, else its city and state, else None."""
    gazetteer = _gazetteer()
    match = _ZIP.match(postal_code.strip())
    if match and (place := gazetteer.by_zip.get(match[1])):
        return place
    if city and region:
        return gazetteer.by_city.get((_city_key(city), region_code(region)))
    return None


def geocode_address(address, city, region, postal_code, country="US"):
    """Coordinates for a listing's street address through geopy, where a deployment allows it.

    Only used when settings.GEOCODER names an online geocoder (GEOCODER=nominatim);
    returns None when it is off, unreachable or finds nothing.
    """
    if settings.GEOCODER != "nominatim":
        return None
    from geopy.exc import GeopyError
    from geopy.geocoders import Nominatim

    geocoder = Nominatim(user_agent=settings.GEOCODER_USER_AGENT, timeout=5)
    query = ", ".join(part for part in (address, city, region, postal_code, country) if part)
    try:
        found = geocoder.geocode(query, exactly_one=True)
    except GeopyError:
        return None
    return (found.latitude, found.longitude) if found else None


def bounding_box(latitude, longitude, radius_miles):
    """The latitude/longitude rectangle that holds every point within radius_miles."""
    dlat = radius_miles / MILES_PER_DEGREE_LATITUDE
    south, north = max(latitude - dlat, -90.0), min(latitude + dlat, 90.0)
    # Longitude degrees shrink towards the poles; use the widest point of the box.
    widest = max(abs(south), abs(north))
    if widest >= 89.9:
        return Box(south, north, -180.0, 180.0)
    dlng = dlat / math.cos(math.radians(widest))
    return Box(south, north, max(longitude - dlng, -180.0), min(longitude + dlng, 180.0))


def distance_expression(latitude, longitude, lat_field="latitude", lng_field="longitude"):
    """Great-circle distance in miles from a point to each row (the haversine formula)."""
    lat1 = math.radians(latitude)
    lat2 = Radians(F(lat_field))
    half_dlat = (lat2 - Value(lat1)) / 2
    half_dlng = (Radians(F(lng_field)) - Value(math.radians(longitude))) / 2
    a = Power(Sin(half_dlat), 2) + Value(math.cos(lat1)) * Cos(lat2) * Power(Sin(half_dlng), 2)
    return Value(2 * EARTH_RADIUS_MILES) * ASin(Sqrt(a), output_field=FloatField())


def _city_key(city):
    key = city.lower().replace(".", "").replace("’", "'")
    key = re.sub(r"^(st|ste)\s", lambda m: "saint " if m[1] == "st" else "sainte ", key)
    key = re.sub(r"\bft\s", "fort ", key)
    return " ".join(key.split())


def region_code(text):
    text = " ".join(text.replace(".", "").split())
    if text.upper() in US_REGIONS:
        return text.upper()
    return _REGION_BY_NAME.get(text.lower(), "")


class _Gazetteer:
    def __init__(self):
        self.by_zip = {}
        points_by_city = defaultdict(list)
        aliases = defaultdict(list)
        self._cells = defaultdict(list)
        for record in zipcodes.list_all():
            region = record["state"]
            if region not in US_REGIONS or record["zip_code_type"] == "MILITARY":
                continue
            latitude, longitude = float(record["lat"]), float(record["long"])
            place = Place(
                latitude,
                longitude,
                region,
                f"{record['city']}, {region} {record['zip_code']}",
                record["timezone"] or "",
            )
            self.by_zip[record["zip_code"]] = place
            self._cells[_cell(latitude, longitude)].append((place, record["city"]))
            key = (_city_key(record["city"]), region)
            points_by_city[key].append((record["city"], place))
            for other in record["acceptable_cities"] + record["unacceptable_cities"]:
                aliases[(_city_key(other), region)].append((other, place))
        self.by_city = {}
        for key, points in (aliases | points_by_city).items():
            self.by_city[key] = _centroid(points)

    def nearest(self, latitude, longitude):
        """The nearest ZIP centroid's Place (with its city as label), or None when far from any."""
        row, col = _cell(latitude, longitude)
        best, best_distance = None, _REGION_REACH_MILES
        for r in (row - 1, row, row + 1):
            for c in (col - 1, col, col + 1):
                for place, city in self._cells.get((r, c), ()):
                    d = haversine_miles(latitude, longitude, place.latitude, place.longitude)
                    if d < best_distance:
                        best, best_distance = (place, city), d
        if best is None:
            return None
        place, city = best
        return _Nearest(city, place.region, place.timezone)


@dataclass(frozen=True)
class _Nearest:
    city: str
    region: str
    timezone: str


def _cell(latitude, longitude):
    # One-degree cells: about 69 miles tall, enough for _REGION_REACH_MILES with neighbours.
    return math.floor(latitude), math.floor(longitude)


def _centroid(points):
    name = points[0][0]
    region = points[0][1].region
    latitude = sum(place.latitude for _, place in points) / len(points)
    longitude = sum(place.longitude for _, place in points) / len(points)
    return Place(
        round(latitude, 5), round(longitude, 5), region, f"{name}, {region}", points[0][1].timezone
    )


@cache
def _gazetteer():
    gazetteer = _Gazetteer()
    # Its few hundred thousand objects live as long as the process: keep the
    # garbage collector from walking them on every full collection (which
    # otherwise pauses a request for about 200 ms now and then).
    gc.freeze()
    return gazetteer


def load():
    """Build the gazetteer now rather than on the first search (see groupfinder/wsgi.py)."""
    _gazetteer()


def timezone_at(latitude, longitude):
    """The IANA timezone of the nearest ZIP code, or "" when none is near."""
    nearest = _gazetteer().nearest(latitude, longitude)
    return nearest.timezone if nearest else ""


def haversine_miles(lat1, lng1, lat2, lng2):
    """The same great-circle distance as distance_expression(), in Python."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))

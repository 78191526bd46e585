"""Places and distances.

Where a visitor searches from ("78701", "Denver, CO", "Springfield", or
"30.27,-97.74" from the browser) is resolved offline, from the US ZIP code
gazetteer that ships inside the `zipcodes` package (USPS ZIP codes with their
centroid, primary city, other accepted city names, state and IANA timezone),
and a short list of places abroad (directory/abroad.py). No visitor's search
ever leaves the server.

What people type is read generously (`locate`): "City, ST ZIP", ZIP+4, "City ST",
full state names, a city without its state (the largest one of that name, with
the others offered), a neighbourhood before the city ("Capitol Hill, Seattle").
When nothing fits, `suggest` offers the places they may have meant (misspellings,
through rapidfuzz over the gazetteer's city names).

Distances are computed by the database, so a search filters and sorts in SQL:
`bounding_box()` gives the cheap, indexed prefilter and `distance_expression()`
the exact great-circle distance, built from Django's database functions so it
runs the same on SQLite and PostgreSQL.
"""

import dataclasses
import gc
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import zipcodes
from django.conf import settings
from django.db.models import F, FloatField, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext
from rapidfuzz import fuzz, process

from directory import abroad
from directory.codes import US_REGIONS

# The mean Earth radius (6371.009 km), the one geopy's great_circle uses.
EARTH_RADIUS_MILES = 6371.009 / 1.609344
MILES_PER_DEGREE_LATITUDE = EARTH_RADIUS_MILES * math.pi / 180

# The longest place text looked up (the search box's maxlength): it bounds the work per search.
MAX_PLACE_LENGTH = 100

# What people type to mean "where I am". The search box carries this list (data-near-me) so
# that static/js/location.js takes the "Use my location" path for them; without JavaScript
# the page says how to search by ZIP code instead. Lowercase, spaces collapsed.
NEAR_ME = frozenset(
    {
        "near me", "nearby", "near", "close to me", "around me", "here", "my location",
        "current location", "my current location", "your location", "use my location",
        "cerca de mí", "cerca de mi", "cerca", "aquí", "aqui", "mi ubicación", "mi ubicacion",
        "tu ubicación", "tu ubicacion", "usar mi ubicación",
    }
)  # fmt: skip

_ZIP = re.compile(r"^(\d{5})(?:[- ]?\d{4})?$")
_ZIP_IN_TEXT = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_COORDINATES = re.compile(r"^(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$")
# How far from the nearest ZIP centroid a point may be and still count as in that state.
_REGION_REACH_MILES = 60

# Words around a city's name that never name a place on their own: dropped, but only when
# the text as typed names no place ("The Woodlands" and "West Chicago" are cities).
_FILLER_BEFORE = re.compile(
    r"^(?:(?:near|in|around|downtown|uptown|midtown|central|greater|the|city of|close to|zip"
    r"|zip code|north|south|east|west|cerca de|en|centro de)\s+)+"
)
_FILLER_AFTER = re.compile(r"(?:\s+(?:area|metro|metro area|metropolitan area|downtown|region))+$")
# A trailing country when it is the US: "Denver, CO, USA".
_US_NAMES = frozenset(
    {"usa", "us", "united states", "united states of america", "america", "eeuu", "ee uu",
     "estados unidos"}
)  # fmt: skip
# A comma-separated text is read from its broadest parts: at most this many, from the end.
_MAX_PARTS = 3

# The gazetteer has no population, so a city's size is told by its number of standard ZIP
# codes (the delivery areas for homes, which grow with the area where people live), ties
# broken by its number of ZIP codes of any kind (PO boxes and single-organization ZIPs
# follow post offices and institutions rather than people). A proxy, not a census: it
# picks Springfield, MA over Springfield, MO, but it does say that Seattle, WA is bigger
# than Seattle anywhere else, which is what choosing among places of one name needs.
# A city with at least this many standard ZIP codes is "large": its name means it rather
# than a foreign city ("Manchester" is Manchester, NH; "London" is London, UK) or a state
# ("Washington" is Washington, DC; "Indiana" is the state, not Indiana, PA).
_LARGE_CITY_ZIPS = 5
# How many other places of the same name a city without a state offers ("Not this one?").
_OTHERS = 5

# Misspellings: rapidfuzz's ratio (0-100, from the edit distance) between what was typed
# and each city name. Below the cutoff a name is not offered ("Denvr" → Denver is 91,
# "Seatle" → Seattle 92, "Philadelpia" → Philadelphia 96); a name far below the best
# match is not offered either, so that one clear answer is not buried among near-misses.
_FUZZY_CUTOFF = 85
_FUZZY_SPREAD = 8
_SUGGESTIONS = 4


class PlaceNotFound(Exception):
    """The text names no place the gazetteer knows; `reason` says why, for the visitor."""

    UNKNOWN = "unknown_place"
    NEAR_ME = "near_me"  # "near me": the browser's location, or a ZIP code, is needed
    WHOLE_STATE = "whole_state"  # "Colorado": too wide to search from

    def __init__(self, text, reason=UNKNOWN, *, tried=(), region=""):
        super().__init__(text)
        self.text = text
        self.reason = reason
        # The (city name, state) readings of the text that named nothing, most likely first.
        self.tried = tried
        self.region = region

    def suggestions(self):
        """Places the visitor may have meant, most likely first (at most _SUGGESTIONS)."""
        gazetteer = _gazetteer()
        if self.reason == self.WHOLE_STATE:
            places = [*gazetteer.largest.get(self.region, ())]
            places += gazetteer.places_named(_city_key(US_REGIONS[self.region]))[:1]
            return list(dict.fromkeys(places))[:_SUGGESTIONS]
        for name, region in self.tried[:2]:
            if found := gazetteer.similar(name, region) or gazetteer.similar(name, ""):
                return found
        return []


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    region: str = ""  # US state code, "" outside the US
    label: str = ""  # how to show it back to the visitor: "Denver, CO", "Austin, TX 78701"
    timezone: str = ""
    # Other places with the name typed, largest first, when no state was given ("Not this one?").
    others: tuple = ()

    @property
    def in_us(self):
        return bool(self.region)


@dataclass(frozen=True)
class Box:
    south: float
    north: float
    west: float
    east: float


def locate(text):
    """Resolve what a visitor typed to a Place, or raise PlaceNotFound.

    A ZIP code (or ZIP+4), "lat,lng", "City, ST" (or "City ST", "City, State",
    "City, ST ZIP"), a city alone, extra words around them, or a place abroad.
    """
    text = " ".join(text.split())
    if text.lower() in NEAR_ME:
        raise PlaceNotFound(text, PlaceNotFound.NEAR_ME)
    if match := _COORDINATES.match(text):
        return _at(float(match[1]), float(match[2]), text)
    if match := _ZIP.match(text):
        if place := _gazetteer().by_zip.get(match[1]):
            return place
        raise PlaceNotFound(text)
    return _named(text)


def suggest(text):
    """The places someone who typed `text` may have meant, when locate() finds none."""
    if len(text) > MAX_PLACE_LENGTH:
        return []
    try:
        locate(text)
    except PlaceNotFound as not_found:
        return not_found.suggestions()
    return []


def is_coordinates(text):
    """Whether the text is a "lat,lng" pair (as "Use my location" sends)."""
    return bool(_COORDINATES.match(" ".join(text.split())))


def _at(latitude, longitude, text):
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PlaceNotFound(text)
    nearest = _gazetteer().nearest(latitude, longitude)
    if nearest is None:  # outside the US (or far out at sea)
        return Place(latitude, longitude, "", gettext("your location"))
    return Place(
        latitude, longitude, nearest.region, f"{nearest.city}, {nearest.region}", nearest.timezone
    )


def _named(text):
    gazetteer = _gazetteer()
    # A ZIP code among other words ("Chicago, IL 60614") says the most.
    for code in _ZIP_IN_TEXT.findall(text):
        if place := gazetteer.by_zip.get(code):
            return place
    parts = [_key(part) for part in _ZIP_IN_TEXT.sub(" ", text).split(",")]
    parts = [part for part in parts if part]
    while parts and parts[-1] in _US_NAMES:
        parts.pop()
    parts = parts[-_MAX_PARTS:]
    if not parts:
        raise PlaceNotFound(text)
    tried = []
    *names, last = parts
    if names:
        # "Capitol Hill, Seattle, WA": the last part may be the state or a country, and
        # the others read from the broadest (the city) to the narrowest (a neighbourhood).
        is_city = bool(gazetteer.places_named(_city_key(last)))  # "…, Indianola" is no state
        if region := region_code(last) or (not is_city and _misspelled_region(last)):
            for name in reversed(names):
                for city in _without_filler(name):
                    if place := gazetteer.by_city.get((_city_key(city), region)):
                        return place
            raise PlaceNotFound(text, tried=[(name, region) for name in reversed(names)])
        if (where := _foreign_names().get(last)) and where[0] in ("country", "province"):
            return _abroad(names[-1], where)
    for part in reversed(parts):
        if place := _one_part(part, tried):
            return place
    if not names:
        for words in _without_filler(last):
            if region := region_code(words):
                raise PlaceNotFound(text, PlaceNotFound.WHOLE_STATE, region=region)
    raise PlaceNotFound(text, tried=sorted(tried, key=lambda reading: not reading[1]))


def _one_part(part, tried):
    """The place named by one comma-separated part: "denver", "denver co", "kansas city
    missouri", "downtown austin", "toronto", "london england"; or None. The readings that
    named nothing are added to `tried`."""
    gazetteer = _gazetteer()
    for words in _without_filler(part):
        if place := _city_alone(words):
            return place
        if region_code(words):  # a state ("North Dakota"), not Dakota, MN
            return None
        tried.append((words, ""))
        city, region = _split_region(words)
        if city:
            if place := gazetteer.by_city.get((_city_key(city), region)):
                return place
            tried.append((city, region))
        city, where = _split_foreign(words)
        if where:
            return _abroad(city, where)
    return None


def _city_alone(words):
    """A city named without its state: the largest of that name, the others offered.

    A name shared with a foreign city or a US state means them, unless a US city of
    that name is large (see _LARGE_CITY_ZIPS).
    """
    gazetteer = _gazetteer()
    name = _city_key(words)
    places = gazetteer.places_named(name)
    if gazetteer.largest_size(name) < _LARGE_CITY_ZIPS:
        if where := _foreign_names().get(words):
            return dataclasses.replace(_abroad("", where), others=tuple(places[:_OTHERS]))
        if region_code(words):
            return None
    if not places:
        return None
    return dataclasses.replace(places[0], others=tuple(places[1 : _OTHERS + 1]))


def _without_filler(text):
    """The text, then (if different) without the filler words around it."""
    yield text
    stripped = _FILLER_AFTER.sub("", _FILLER_BEFORE.sub("", text)).strip()
    if stripped and stripped != text:
        yield stripped


def _split_region(words):
    """("kansas city", "MO") from "kansas city missouri"; ("", "") when no state ends it."""
    split = words.split()
    for n in range(min(4, len(split) - 1), 0, -1):
        if region := region_code(" ".join(split[-n:])):
            return " ".join(split[:-n]), region
    return "", ""


def _split_foreign(words):
    """("toronto", where) from "toronto canada"; ("", None) when no country ends it."""
    split = words.split()
    for n in range(min(4, len(split) - 1), 0, -1):
        where = _foreign_names().get(" ".join(split[-n:]))
        if where and where[0] in ("country", "province"):
            return " ".join(split[:-n]), where
    return "", None


@cache
def _foreign_names():
    """Every name of a place abroad, as typed (see _key): ("city" | "country" | "province", …)."""
    names = {}
    for code, (_, typed, _) in abroad.COUNTRIES.items():
        names |= dict.fromkeys(typed, ("country", code))
    for code, (_, typed, _) in abroad.PROVINCES.items():
        names |= dict.fromkeys([*typed, code.lower()], ("province", code))
    for city in abroad.CITIES:
        names |= dict.fromkeys(city[2], ("city", city))
    return names


def _abroad(city, where):
    """A Place outside the US: the city when the list knows it (in that country), else the
    country or province, at its largest city (so that a search near a border still finds
    the US groups within reach). Its region is "", so online groups open to anyone follow."""
    kind, value = where
    if kind == "city":
        return _foreign_city(value)
    country = "CA" if kind == "province" else value
    named = _foreign_names().get(city)
    if named and named[0] == "city" and named[1][1] == country:
        return _foreign_city(named[1])
    country_name = gettext(abroad.COUNTRIES[country][0])
    if kind == "province":
        name, _, point = abroad.PROVINCES[value]
        return Place(point[0], point[1], "", f"{name}, {country_name}")
    return Place(*abroad.COUNTRIES[country][2], "", country_name)


def _foreign_city(city):
    name, country, _, (latitude, longitude) = city
    return Place(latitude, longitude, "", f"{name}, {gettext(abroad.COUNTRIES[country][0])}")


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


def _key(text):
    """Text as places are matched: lowercase, without accents, dots or extra spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).replace(".", "")
    return " ".join(text.split())


def _city_key(city):
    key = _key(city)
    key = re.sub(r"^(st|ste)\s", lambda m: "saint " if m[1] == "st" else "sainte ", key)
    key = re.sub(r"\bft\s", "fort ", key)
    return key


_REGION_BY_NAME = {_key(name): code for code, name in US_REGIONS.items()}


def region_code(text):
    """The USPS code of a state, territory or DC given by code or name ("co", "Colorado")."""
    text = _key(text)
    if text.upper() in US_REGIONS:
        return text.upper()
    return _REGION_BY_NAME.get(text, "")


def _misspelled_region(text):
    """The state whose name `text` nearly spells ("Colorodo"), or ""."""
    if len(text) < 4:
        return ""
    match = process.extractOne(text, list(_REGION_BY_NAME), scorer=fuzz.ratio, score_cutoff=85)
    return _REGION_BY_NAME[match[0]] if match else ""


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
            standard = record["zip_code_type"] == "STANDARD"
            key = (_city_key(record["city"]), region)
            points_by_city[key].append((record["city"], place, standard))
            for other in record["acceptable_cities"] + record["unacceptable_cities"]:
                aliases[(_city_key(other), region)].append((other, place, standard))
        self.by_city = {}
        # Each name's places, largest first (see _LARGE_CITY_ZIPS), with their size.
        sized = defaultdict(list)
        for (name, region), points in (aliases | points_by_city).items():
            place = self.by_city[name, region] = _centroid(points)
            size = (sum(standard for *_, standard in points), len(points))
            sized[name].append((size, region, place))
        self._named = {
            name: [(size, place) for size, _, place in sorted(places, key=_largest_first)]
            for name, places in sized.items()
        }
        # The names fuzzy matching looks through (those of the post offices, not the
        # neighbourhoods and old names that are also accepted), built once.
        self._names = sorted({name for name, _ in points_by_city})
        self._names_in = defaultdict(list)
        for name, region in sorted(points_by_city):
            self._names_in[region].append(name)
        # Each state's largest cities, offered to someone who typed only the state.
        self.largest = defaultdict(list)
        for name, places in self._named.items():
            for size, place in places:
                if (name, place.region) in points_by_city and size[0]:
                    self.largest[place.region].append((size, place))
        for region, places in self.largest.items():
            self.largest[region] = [place for _, place in sorted(places, key=_size)[-3:][::-1]]

    def places_named(self, name, region=""):
        """The places called `name` (a _city_key), in `region` or anywhere, largest first."""
        return [p for _, p in self._named.get(name, ()) if not region or p.region == region]

    def largest_size(self, name):
        """The number of standard ZIP codes of the largest place called `name`."""
        named = self._named.get(name)
        return named[0][0][0] if named else 0

    def similar(self, text, region):
        """Places whose name is spelled like `text`, or named by some of its words."""
        choices = self._names_in.get(region, []) if region else self._names
        name = _city_key(text)
        matches = process.extract(
            name, choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=_SUGGESTIONS
        )
        found = [
            self.places_named(match, region)[0]
            for match, score, _ in matches
            if score >= matches[0][1] - _FUZZY_SPREAD
        ]
        # "capitol hill seattle" → Seattle: a place named by the last or the first words.
        words = name.split()
        pieces = []
        for n in range(len(words) - 1, 0, -1):
            for piece in (" ".join(words[-n:]), " ".join(words[:n])):
                if not _FILLER_BEFORE.fullmatch(piece + " ") and not region_code(piece):
                    pieces += [
                        (size, place)
                        for size, place in self._named.get(piece, ())
                        if not region or place.region == region
                    ][:1]
        pieces.sort(key=lambda sized: sized[0], reverse=True)
        return list(dict.fromkeys(found + [place for _, place in pieces]))[:_SUGGESTIONS]

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


def _largest_first(sized):
    (standard, total), region, _ = sized
    return (-standard, -total, region)


def _size(sized):
    return sized[0]


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
    latitude = sum(place.latitude for _, place, _ in points) / len(points)
    longitude = sum(place.longitude for _, place, _ in points) / len(points)
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

"""Places outside the United States that visitors type.

The directory lists groups in the US; someone who searches from Toronto or
"London, UK" should hear that, and still find the online groups that accept
members from anywhere (and, near a border, the US groups within reach). The
ZIP code gazetteer only knows the US, and "Toronto" and "London" are small US
towns too, so this short hand-kept list names the countries, Canadian provinces
and large foreign cities that people are likely to type, with the coordinates
of the city (or, for a country or province, of its largest city). geo.locate()
reads it; a bare city name only counts as foreign when no US city of that name
is large (see geo._LARGE_CITY_ZIPS).

Names are matched lowercased, without accents or dots ("México" = "mexico",
"U.K." = "uk"). Country codes are only matched where they are not also US
state codes ("UK", "GB", but not "CA", which is California).
"""

from django.utils.translation import gettext_noop

# code: (name shown, names people type, (latitude, longitude) of its largest city)
COUNTRIES = {
    "CA": (gettext_noop("Canada"), ("canada",), (43.65, -79.38)),
    "MX": (gettext_noop("Mexico"), ("mexico", "mx"), (19.43, -99.13)),
    "GB": (
        gettext_noop("United Kingdom"),
        (
            "united kingdom",
            "uk",
            "gb",
            "great britain",
            "britain",
            "england",
            "scotland",
            "wales",
            "northern ireland",
            "reino unido",
            "gran bretana",
            "inglaterra",
            "escocia",
            "gales",
            "irlanda del norte",
        ),
        (51.51, -0.13),
    ),  # fmt: skip
    "IE": (gettext_noop("Ireland"), ("ireland", "irlanda", "eire"), (53.35, -6.26)),
    "AU": (gettext_noop("Australia"), ("australia",), (-33.87, 151.21)),
    "NZ": (gettext_noop("New Zealand"), ("new zealand", "nueva zelanda"), (-36.85, 174.76)),
    "IN": (gettext_noop("India"), ("india",), (19.08, 72.88)),
    "PH": (gettext_noop("Philippines"), ("philippines", "filipinas"), (14.60, 120.98)),
    "DE": (gettext_noop("Germany"), ("germany", "alemania", "deutschland"), (52.52, 13.40)),
    "FR": (gettext_noop("France"), ("france", "francia"), (48.86, 2.35)),
    "ES": (gettext_noop("Spain"), ("spain", "espana"), (40.42, -3.70)),
    "IT": (gettext_noop("Italy"), ("italy", "italia"), (41.90, 12.50)),
    "NL": (
        gettext_noop("Netherlands"),
        ("netherlands", "the netherlands", "holland", "paises bajos", "holanda"),
        (52.37, 4.90),
    ),
    "BR": (gettext_noop("Brazil"), ("brazil", "brasil"), (-23.55, -46.63)),
    "AR": (gettext_noop("Argentina"), ("argentina",), (-34.60, -58.38)),
    "CO": (gettext_noop("Colombia"), ("colombia",), (4.71, -74.07)),
    "PE": (gettext_noop("Peru"), ("peru",), (-12.05, -77.04)),
    "CL": (gettext_noop("Chile"), ("chile",), (-33.45, -70.67)),
    "VE": (gettext_noop("Venezuela"), ("venezuela",), (10.49, -66.88)),
    "EC": (gettext_noop("Ecuador"), ("ecuador",), (-2.19, -79.89)),
    "GT": (gettext_noop("Guatemala"), ("guatemala",), (14.63, -90.51)),
    "HN": (gettext_noop("Honduras"), ("honduras",), (15.50, -88.03)),
    "SV": (gettext_noop("El Salvador"), ("el salvador",), (13.69, -89.22)),
    "NI": (gettext_noop("Nicaragua"), ("nicaragua",), (12.11, -86.24)),
    "CR": (gettext_noop("Costa Rica"), ("costa rica",), (9.93, -84.08)),
    "PA": (gettext_noop("Panama"), ("panama",), (8.98, -79.52)),
    "CU": (gettext_noop("Cuba"), ("cuba",), (23.11, -82.37)),
    "DO": (
        gettext_noop("Dominican Republic"),
        ("dominican republic", "republica dominicana"),
        (18.49, -69.93),
    ),
    "JM": (gettext_noop("Jamaica"), ("jamaica",), (18.02, -76.80)),
    "JP": (gettext_noop("Japan"), ("japan", "japon"), (35.68, 139.69)),
    "CN": (gettext_noop("China"), ("china",), (31.23, 121.47)),
    "KR": (gettext_noop("South Korea"), ("south korea", "korea", "corea del sur"), (37.57, 126.98)),
    "NG": (gettext_noop("Nigeria"), ("nigeria",), (6.52, 3.38)),
    "ZA": (gettext_noop("South Africa"), ("south africa", "sudafrica"), (-26.20, 28.05)),
    "KE": (gettext_noop("Kenya"), ("kenya", "kenia"), (-1.29, 36.82)),
}

# Canada's provinces and territories: code: (name, names people type, largest city's point).
PROVINCES = {
    "ON": ("Ontario", ("ontario",), (43.65, -79.38)),
    "QC": ("Quebec", ("quebec",), (45.50, -73.57)),
    "BC": ("British Columbia", ("british columbia", "colombia britanica"), (49.28, -123.12)),
    "AB": ("Alberta", ("alberta",), (51.05, -114.07)),
    "MB": ("Manitoba", ("manitoba",), (49.90, -97.14)),
    "SK": ("Saskatchewan", ("saskatchewan",), (52.13, -106.67)),
    "NS": ("Nova Scotia", ("nova scotia", "nueva escocia"), (44.65, -63.58)),
    "NB": ("New Brunswick", ("new brunswick", "nuevo brunswick"), (46.09, -64.78)),
    "NL": (
        "Newfoundland and Labrador",
        ("newfoundland", "newfoundland and labrador"),
        (47.56, -52.71),
    ),  # fmt: skip
    "PE": ("Prince Edward Island", ("prince edward island", "pei"), (46.24, -63.13)),
    "YT": ("Yukon", ("yukon",), (60.72, -135.05)),
    "NT": ("Northwest Territories", ("northwest territories",), (62.45, -114.37)),
    "NU": ("Nunavut", ("nunavut",), (63.75, -68.52)),
}

# Large cities: (name shown, country code, names people type, (latitude, longitude)).
CITIES = [
    ("Toronto", "CA", ("toronto",), (43.65, -79.38)),
    ("Montreal", "CA", ("montreal",), (45.50, -73.57)),
    ("Ottawa", "CA", ("ottawa",), (45.42, -75.70)),
    ("Calgary", "CA", ("calgary",), (51.05, -114.07)),
    ("Edmonton", "CA", ("edmonton",), (53.55, -113.49)),
    ("Winnipeg", "CA", ("winnipeg",), (49.90, -97.14)),
    ("Mississauga", "CA", ("mississauga",), (43.59, -79.64)),
    ("Vancouver", "CA", ("vancouver",), (49.28, -123.12)),
    ("Windsor", "CA", ("windsor",), (42.31, -83.04)),
    ("Quebec City", "CA", ("quebec city", "ville de quebec"), (46.81, -71.21)),
    ("Mexico City", "MX", ("mexico city", "ciudad de mexico", "cdmx", "mexico df"),
     (19.43, -99.13)),
    ("Tijuana", "MX", ("tijuana",), (32.51, -117.04)),
    ("Mexicali", "MX", ("mexicali",), (32.62, -115.45)),
    ("Ciudad Juárez", "MX", ("ciudad juarez", "juarez"), (31.69, -106.42)),
    ("Nuevo Laredo", "MX", ("nuevo laredo",), (27.48, -99.52)),
    ("Reynosa", "MX", ("reynosa",), (26.09, -98.28)),
    ("Matamoros", "MX", ("matamoros",), (25.87, -97.50)),
    ("Monterrey", "MX", ("monterrey",), (25.69, -100.32)),
    ("Guadalajara", "MX", ("guadalajara",), (20.67, -103.35)),
    ("Puebla", "MX", ("puebla",), (19.04, -98.21)),
    ("Cancún", "MX", ("cancun",), (21.16, -86.85)),
    ("London", "GB", ("london",), (51.51, -0.13)),
    ("Manchester", "GB", ("manchester",), (53.48, -2.24)),
    ("Liverpool", "GB", ("liverpool",), (53.41, -2.99)),
    ("Glasgow", "GB", ("glasgow",), (55.86, -4.25)),
    ("Edinburgh", "GB", ("edinburgh",), (55.95, -3.19)),
    ("Dublin", "IE", ("dublin",), (53.35, -6.26)),
    ("Paris", "FR", ("paris",), (48.86, 2.35)),
    ("Berlin", "DE", ("berlin",), (52.52, 13.40)),
    ("Madrid", "ES", ("madrid",), (40.42, -3.70)),
    ("Barcelona", "ES", ("barcelona",), (41.39, 2.17)),
    ("Rome", "IT", ("rome", "roma"), (41.90, 12.50)),
    ("Amsterdam", "NL", ("amsterdam",), (52.37, 4.90)),
    ("Sydney", "AU", ("sydney",), (-33.87, 151.21)),
    ("Melbourne", "AU", ("melbourne",), (-37.81, 144.96)),
    ("Auckland", "NZ", ("auckland",), (-36.85, 174.76)),
    ("Tokyo", "JP", ("tokyo",), (35.68, 139.69)),
    ("Manila", "PH", ("manila",), (14.60, 120.98)),
    ("Mumbai", "IN", ("mumbai", "bombay"), (19.08, 72.88)),
    ("Delhi", "IN", ("delhi", "new delhi"), (28.61, 77.21)),
    ("Lagos", "NG", ("lagos",), (6.52, 3.38)),
    ("Bogotá", "CO", ("bogota",), (4.71, -74.07)),
    ("Buenos Aires", "AR", ("buenos aires",), (-34.60, -58.38)),
    ("Havana", "CU", ("havana", "la habana"), (23.11, -82.37)),
    ("Santo Domingo", "DO", ("santo domingo",), (18.49, -69.93)),
    ("Guatemala City", "GT", ("guatemala city", "ciudad de guatemala"), (14.63, -90.51)),
    ("San Salvador", "SV", ("san salvador",), (13.69, -89.22)),
    ("Tegucigalpa", "HN", ("tegucigalpa",), (14.07, -87.19)),
]  # fmt: skip

"""The closed vocabularies of codes that listings use: US regions, languages, timezones.

Lists of codes are stored as comma-separated text ("CA,OR", "en,es"); the
helpers here turn what people type ("ca; or", "EN ES") into that form, and say
clearly what is wrong when they cannot.
"""

import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

# US states, the District of Columbia and the inhabited territories (USPS codes).
US_REGIONS = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

# ISO 639-1, the two-letter language codes, with their English names.
LANGUAGES = {
    "aa": "Afar",
    "ab": "Abkhazian",
    "ae": "Avestan",
    "af": "Afrikaans",
    "ak": "Akan",
    "am": "Amharic",
    "an": "Aragonese",
    "ar": "Arabic",
    "as": "Assamese",
    "av": "Avaric",
    "ay": "Aymara",
    "az": "Azerbaijani",
    "ba": "Bashkir",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "bi": "Bislama",
    "bm": "Bambara",
    "bn": "Bengali",
    "bo": "Tibetan",
    "br": "Breton",
    "bs": "Bosnian",
    "ca": "Catalan",
    "ce": "Chechen",
    "ch": "Chamorro",
    "co": "Corsican",
    "cr": "Cree",
    "cs": "Czech",
    "cu": "Church Slavic",
    "cv": "Chuvash",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "dv": "Dhivehi",
    "dz": "Dzongkha",
    "ee": "Ewe",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "ff": "Fulah",
    "fi": "Finnish",
    "fj": "Fijian",
    "fo": "Faroese",
    "fr": "French",
    "fy": "Western Frisian",
    "ga": "Irish",
    "gd": "Scottish Gaelic",
    "gl": "Galician",
    "gn": "Guarani",
    "gu": "Gujarati",
    "gv": "Manx",
    "ha": "Hausa",
    "he": "Hebrew",
    "hi": "Hindi",
    "ho": "Hiri Motu",
    "hr": "Croatian",
    "ht": "Haitian Creole",
    "hu": "Hungarian",
    "hy": "Armenian",
    "hz": "Herero",
    "ia": "Interlingua",
    "id": "Indonesian",
    "ie": "Interlingue",
    "ig": "Igbo",
    "ii": "Sichuan Yi",
    "ik": "Inupiaq",
    "io": "Ido",
    "is": "Icelandic",
    "it": "Italian",
    "iu": "Inuktitut",
    "ja": "Japanese",
    "jv": "Javanese",
    "ka": "Georgian",
    "kg": "Kongo",
    "ki": "Kikuyu",
    "kj": "Kuanyama",
    "kk": "Kazakh",
    "kl": "Kalaallisut",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Korean",
    "kr": "Kanuri",
    "ks": "Kashmiri",
    "ku": "Kurdish",
    "kv": "Komi",
    "kw": "Cornish",
    "ky": "Kyrgyz",
    "la": "Latin",
    "lb": "Luxembourgish",
    "lg": "Ganda",
    "li": "Limburgish",
    "ln": "Lingala",
    "lo": "Lao",
    "lt": "Lithuanian",
    "lu": "Luba-Katanga",
    "lv": "Latvian",
    "mg": "Malagasy",
    "mh": "Marshallese",
    "mi": "Maori",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mn": "Mongolian",
    "mr": "Marathi",
    "ms": "Malay",
    "mt": "Maltese",
    "my": "Burmese",
    "na": "Nauru",
    "nb": "Norwegian Bokmål",
    "nd": "North Ndebele",
    "ne": "Nepali",
    "ng": "Ndonga",
    "nl": "Dutch",
    "nn": "Norwegian Nynorsk",
    "no": "Norwegian",
    "nr": "South Ndebele",
    "nv": "Navajo",
    "ny": "Chichewa",
    "oc": "Occitan",
    "oj": "Ojibwa",
    "om": "Oromo",
    "or": "Odia",
    "os": "Ossetian",
    "pa": "Punjabi",
    "pi": "Pali",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "qu": "Quechua",
    "rm": "Romansh",
    "rn": "Kirundi",
    "ro": "Romanian",
    "ru": "Russian",
    "rw": "Kinyarwanda",
    "sa": "Sanskrit",
    "sc": "Sardinian",
    "sd": "Sindhi",
    "se": "Northern Sami",
    "sg": "Sango",
    "si": "Sinhala",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sm": "Samoan",
    "sn": "Shona",
    "so": "Somali",
    "sq": "Albanian",
    "sr": "Serbian",
    "ss": "Swati",
    "st": "Southern Sotho",
    "su": "Sundanese",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "tg": "Tajik",
    "th": "Thai",
    "ti": "Tigrinya",
    "tk": "Turkmen",
    "tl": "Tagalog",
    "tn": "Tswana",
    "to": "Tongan",
    "tr": "Turkish",
    "ts": "Tsonga",
    "tt": "Tatar",
    "tw": "Twi",
    "ty": "Tahitian",
    "ug": "Uyghur",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "uz": "Uzbek",
    "ve": "Venda",
    "vi": "Vietnamese",
    "vo": "Volapük",
    "wa": "Walloon",
    "wo": "Wolof",
    "xh": "Xhosa",
    "yi": "Yiddish",
    "yo": "Yoruba",
    "za": "Zhuang",
    "zh": "Chinese",
    "zu": "Zulu",
}

_SEPARATORS = re.compile(r"[\s,;]+")


def split_codes(text):
    """'CA; or , WA' -> ['CA', 'or', 'WA']"""
    return [code for code in _SEPARATORS.split(text or "") if code]


def _clean_list(text, known, normalise, what):
    codes = []
    for code in split_codes(text):
        code = normalise(code)
        if code not in known:
            raise ValidationError(f"“{code}” is not {what}.", code="unknown_code")
        if code not in codes:
            codes.append(code)
    return ",".join(codes)


def clean_region_list(text):
    """Normalise a list of US state codes to 'CA,OR'; blank stays blank (anywhere)."""
    return _clean_list(text, US_REGIONS, str.upper, "a US state code (like CA or NY)")


def clean_language_list(text):
    """Normalise a list of ISO 639-1 language codes to 'en,es'."""
    return _clean_list(text, LANGUAGES, str.lower, "a two-letter language code (like en or es)")


def validate_region_list(value):
    if value != clean_region_list(value):
        raise ValidationError("Write state codes separated by commas, like CA,OR.")


def validate_language_list(value):
    if not value:
        raise ValidationError("Name at least one language, like en.")
    if value != clean_language_list(value):
        raise ValidationError("Write language codes separated by commas, like en,es.")


@cache
def _timezones():
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value):
    if value not in _timezones():
        raise ValidationError(
            f"“{value}” is not a timezone we know. Use a name like America/Chicago.",
            code="unknown_timezone",
        )


# The languages the search offers, marked so their names are translated
# (Group.language_names() and the search form translate whatever is in the catalogue).
COMMON_LANGUAGE_NAMES = [
    gettext_noop("English"), gettext_noop("Spanish"), gettext_noop("Chinese"),
    gettext_noop("Vietnamese"), gettext_noop("Tagalog"), gettext_noop("Korean"),
    gettext_noop("Arabic"), gettext_noop("Russian"), gettext_noop("French"),
    gettext_noop("Haitian Creole"), gettext_noop("Portuguese"),
]  # fmt: skip

# The focus vocabulary seeded by migration 0002, marked so visitors read it in
# their language (Focus.label()).
SEEDED_FOCUS_NAMES = [
    gettext_noop("Women"), gettext_noop("Men"), gettext_noop("LGBTQI+ people"),
    gettext_noop("Pregnancy and new parents (perinatal)"),
    gettext_noop("Perimenopause and menopause"), gettext_noop("Young adults"),
    gettext_noop("Older adults"), gettext_noop("Parents"), gettext_noop("Depression with anxiety"),
    gettext_noop("Living with a chronic illness"),
    gettext_noop("Family and friends of someone with depression"),
]  # fmt: skip

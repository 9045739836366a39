"""Countries: names, codes and the aliases people write, to ISO 3166-1 alpha-2."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import pycountry

# Names pycountry does not know: colloquial, historical and native-language forms.
COUNTRY_ALIASES = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "united kingdom of great britain": "GB",
    "us": "US", "america": "US", "united states of america": "US",
    "the netherlands": "NL", "holland": "NL", "nederland": "NL",
    "deutschland": "DE", "allemagne": "DE", "osterreich": "AT",
    "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "espana": "ES", "italia": "IT",
    "belgique": "BE", "belgie": "BE", "sverige": "SE", "norge": "NO", "danmark": "DK",
    "suomi": "FI", "polska": "PL", "cesko": "CZ", "czech republic": "CZ", "magyarorszag": "HU",
    "eire": "IE", "brasil": "BR", "russia": "RU", "turkey": "TR",
    "turkiye": "TR", "korea": "KR", "south korea": "KR", "republic of korea": "KR",
    "ivory coast": "CI", "macedonia": "MK", "burma": "MM", "vatican": "VA",
    "uae": "AE", "usa": "US", "taiwan": "TW", "vietnam": "VN", "iran": "IR", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "syria": "SY",
}


@lru_cache(maxsize=1024)
def _lookup_country(key: str) -> str | None:
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        pass
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c)
    )
    if folded != key:
        return _lookup_country(folded)
    if key.startswith("the "):
        return _lookup_country(key[4:])
    return None


def country_code(value: object) -> str | None:
    """ISO 3166-1 alpha-2 code for a country code (alpha-2/3), name or common alias, else None."""
    if not isinstance(value, str):
        return None
    key = " ".join(value.replace(".", "").split()).lower()  # "U.S.A." -> "usa"
    return _lookup_country(key) if key else None

"""The currency of a country (ISO 3166-1 alpha-2 → ISO 4217), from the maintained libraries.

The ISO 4217 table names countries in words ("NETHERLANDS (THE)"), pycountry by code: the two are
joined on their names, compared without case, accents, punctuation or the word "the" (and, for the
few the ISO table shortens, such as "HOLY SEE (THE)", as the one country name that begins so). Fund
codes (CHE, USN, …) are not a country's currency. A country with several currencies in the table
(Panama: PAB and USD) has the one the fewest countries use, its own; the first listed on a tie.
No table is typed in here, so the mapping follows the libraries when the lock file moves them on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import iso4217
import pycountry


def _words(name: str) -> str:
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()
    return " ".join(word for word in re.sub(r"[^a-z0-9]+", " ", plain).split() if word != "the")


@cache
def _by_country() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(_words(value), country.alpha_2)
    listed: dict[str, list[str]] = {}
    users: dict[str, int] = {}
    for entry in iso4217.raw_xml.findall("CcyTbl/CcyNtry"):
        code, country_name, currency_name = entry.find("Ccy"), entry.find("CtryNm"), entry.find("CcyNm")
        if code is None or country_name is None or code.text is None or country_name.text is None:
            continue
        if currency_name is not None and currency_name.get("IsFund") == "true":
            continue
        alpha_2 = _country_code(_words(country_name.text), names)
        if alpha_2 is not None:
            listed.setdefault(alpha_2, []).append(code.text.strip())
            users[code.text.strip()] = users.get(code.text.strip(), 0) + 1
    return {country: min(codes, key=lambda code: (users[code], codes.index(code))) for country, codes in listed.items()}


def _country_code(words: str, names: dict[str, str]) -> str | None:
    if words in names:
        return names[words]
    longer = {code for name, code in names.items() if name.startswith(f"{words} ")}
    return longer.pop() if len(longer) == 1 else None


def country_currency(country: str) -> str | None:
    """The currency of `country`; None for a country without one of its own (Antarctica)."""
    return _by_country().get(country)

"""Personal data for the personal tables: names, resident identity numbers, phone numbers.

Names come from a seeded Faker ``zh_CN`` (surname and given-name pools drawn once, then combined), so the
distribution is Faker's while a million people cost microseconds each. Identity numbers are built here
rather than with ``Faker.ssn``, which ages people from the machine's clock and so would differ by run
date; they carry a real area code, a birth date, a sequence whose parity gives the sex, and the
GB 11643 check character.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker
from faker.providers.phone_number.zh_CN import Provider as PhoneProvider
from faker.providers.ssn.zh_CN import Provider as SsnProvider

from domain.privacy import id_number_check_character

POOL_SIZE = 3000
_BIRTH_FROM = dt.date(1962, 1, 1)
_BIRTH_DAYS = (dt.date(2001, 12, 31) - _BIRTH_FROM).days
_AREA_CODES = tuple(code for code in SsnProvider.area_codes if not code.endswith("0000"))
_MOBILE_PREFIXES = (*(str(p) for p in PhoneProvider.phonenumber_prefixes), "166", "177", "191", "199")


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str


class People:
    """Draws people and phone numbers from one seeded random stream per caller."""

    def __init__(self, seed: int) -> None:
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self._surnames = [fake.last_name() for _ in range(POOL_SIZE)]
        self._male = [fake.first_name_male() for _ in range(POOL_SIZE)]
        self._female = [fake.first_name_female() for _ in range(POOL_SIZE)]

    def person(self, rng: random.Random) -> Person:
        female = rng.random() < 0.42
        given = rng.choice(self._female if female else self._male)
        birth = _BIRTH_FROM + dt.timedelta(days=rng.randrange(_BIRTH_DAYS))
        sequence = rng.randrange(0, 999, 2) if female else rng.randrange(1, 1000, 2)
        first17 = f"{rng.choice(_AREA_CODES)}{birth:%Y%m%d}{sequence:03d}"
        return Person(rng.choice(self._surnames) + given, first17 + id_number_check_character(first17))

    def name(self, rng: random.Random) -> str:
        return rng.choice(self._surnames) + rng.choice(self._female if rng.random() < 0.45 else self._male)


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def landline(rng: random.Random, district_code: str) -> str:
    """An office number: Beijing 010 with eight digits, Wuxi 0510 with eight digits."""
    if district_code.startswith("11"):
        return f"010-{rng.choice('568')}{rng.randrange(10**7):07d}"
    return f"0510-8{rng.randrange(10**7):07d}"

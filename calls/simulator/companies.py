"""The simulator's tenants: who they are, their keys, main numbers, staff and callers.

Three companies cover the cases a multi-tenant dashboard must get right: a busy US account,
a smaller UK one, and an empty one. The API keys are simulator keys, safe to print.
Remote numbers are ones `phonenumbers` accepts as valid (mostly fictional 555 and Ofcom
drama ranges); a few "regulars" call often, so filtering by number finds several calls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedCompany:
    name: str
    api_key: str
    region: str  # ISO 3166 alpha-2, for reading local number formats
    timezone: str  # IANA name, for display


@dataclass(frozen=True)
class MainNumber:
    id: str
    name: str
    number: str
    formatted: str


@dataclass(frozen=True)
class Profile:
    """What a company's calls are made of."""

    company: SeedCompany
    main_numbers: tuple[MainNumber, ...]
    employees: tuple[dict[str, str], ...]
    regulars: tuple[str, ...]  # remote numbers that call again and again
    others: tuple[str, ...]  # remote numbers seen now and then
    history: int  # how many past calls to seed
    live_every: int | None = None  # seconds between new live calls, None for none


ACME = SeedCompany("Acme Corp", "sim_acme_7f3c9a1e2b4d4c59", "US", "America/New_York")
GLOBEX = SeedCompany("Globex", "sim_globex_5e8b2d7a9c1f4e36", "GB", "Europe/London")
INITECH = SeedCompany("Initech", "sim_initech_3a6f1c8e0d2b4a71", "US", "America/Chicago")

SEED_COMPANIES: tuple[SeedCompany, ...] = (ACME, GLOBEX, INITECH)

INTERNATIONAL = (
    "+442079460958",
    "+4930901820",
    "+33142685300",
    "+81312345678",
    "+5511987654321",
    "+919876543210",
    "+61291234567",
)

PROFILES: dict[str, Profile] = {
    ACME.api_key: Profile(
        company=ACME,
        main_numbers=(
            MainNumber(
                "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01", "Sales", "+14155551234", "+1 415-555-1234"
            ),
            MainNumber(
                "0193f4a9-7c35-7c00-9e3d-2b2b8a7f1c02", "Support", "+14155552000", "+1 415-555-2000"
            ),
            MainNumber(
                "0193f4a9-7c36-7c00-9e3d-2b2b8a7f1c03",
                "Front desk",
                "+12125557000",
                "+1 212-555-7000",
            ),
        ),
        employees=(
            {"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"},
            {"id": "0193f4b0-aaab-7c00-9e3d-2b2b8a7f1c21", "name": "Priya Patel"},
            {"id": "0193f4b0-aaac-7c00-9e3d-2b2b8a7f1c22", "name": "Marcus Johnson"},
            {"id": "0193f4b0-aaad-7c00-9e3d-2b2b8a7f1c23", "name": "Sofia García"},
            {"id": "0193f4b0-aaae-7c00-9e3d-2b2b8a7f1c24", "name": "Daniel Kim"},
            {"id": "0193f4b0-aaaf-7c00-9e3d-2b2b8a7f1c25", "name": "Emma O'Connor"},
        ),
        regulars=("+14085550199", "+14155552671", "+12125550123", "+442079460958"),
        others=(
            "+16175554821",
            "+13125559876",
            "+16465557890",
            "+17735553412",
            "+12065553344",
            "+15125551180",
            "+13055552299",
            "+14045557310",
            "+13035551947",
            "+17025558823",
            *INTERNATIONAL[1:],
        ),
        history=150,
        live_every=180,
    ),
    GLOBEX.api_key: Profile(
        company=GLOBEX,
        main_numbers=(
            MainNumber(
                "0193f4a9-8d01-7c00-9e3d-2b2b8a7f1d01",
                "Reception",
                "+442079460000",
                "+44 20 7946 0000",
            ),
            MainNumber(
                "0193f4a9-8d02-7c00-9e3d-2b2b8a7f1d02",
                "Support",
                "+441614960000",
                "+44 161 496 0000",
            ),
        ),
        employees=(
            {"id": "0193f4b0-bbba-7c00-9e3d-2b2b8a7f1d20", "name": "Oliver Bennett"},
            {"id": "0193f4b0-bbbb-7c00-9e3d-2b2b8a7f1d21", "name": "Amelia Clarke"},
            {"id": "0193f4b0-bbbc-7c00-9e3d-2b2b8a7f1d22", "name": "Harry Evans"},
        ),
        regulars=("+447911123456", "+442079460123"),
        others=("+441614960123", "+14155552671", *INTERNATIONAL[1:4]),
        history=40,
    ),
    INITECH.api_key: Profile(
        company=INITECH,
        main_numbers=(
            MainNumber(
                "0193f4a9-9e01-7c00-9e3d-2b2b8a7f1e01", "Main", "+15125550100", "+1 512-555-0100"
            ),
        ),
        employees=({"id": "0193f4b0-ccca-7c00-9e3d-2b2b8a7f1e20", "name": "Peter Gibbons"},),
        regulars=("+15125559921",),
        others=("+15125554410",),
        history=0,
    ),
}

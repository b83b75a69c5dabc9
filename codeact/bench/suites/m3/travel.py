"""Travel: airports, flights, hotels and currency conversion, with a per-episode seat inventory for bookings.

Searches return ids only, so answering anything about a price or a rating needs a details call per candidate,
and hotel prices are in local currencies, so totals need conversions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, unique_best

CITIES: dict[str, tuple[str, str]] = {
    "Lisbon": ("LIS", "EUR"), "Madrid": ("MAD", "EUR"), "Paris": ("CDG", "EUR"), "Berlin": ("BER", "EUR"),
    "Rome": ("FCO", "EUR"), "Prague": ("PRG", "CZK"), "London": ("LHR", "GBP"), "Zurich": ("ZRH", "CHF"),
    "Warsaw": ("WAW", "PLN"), "Copenhagen": ("CPH", "DKK"),
}
EUR_PER_UNIT = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "CHF": 1.05, "CZK": 0.04, "PLN": 0.23, "DKK": 0.134}
AIRLINES = {"AX": "Aerolux", "SB": "SkyBridge", "NW": "Nordwind", "VA": "Vela Air"}
DATES = [f"2025-06-0{d}" for d in range(1, 8)]
_HOTEL_WORDS = ["Grand", "Harbor", "Central", "Garden", "Royal", "Old Town", "Riverside", "Plaza", "Station", "Park"]
_RATE_RANGE = {"EUR": (60, 260), "CZK": (1500, 6500), "GBP": (50, 230), "CHF": (80, 300), "PLN": (250, 1100),
               "DKK": (450, 1900)}


@dataclass(frozen=True)
class _Fixtures:
    flights: dict[str, dict[str, Any]]
    hotels: dict[str, dict[str, Any]]


@cache
def _fixtures() -> _Fixtures:
    """Seeded, so every episode and every reference solution sees the same world."""
    rng = random.Random(2024)
    flights: dict[str, dict[str, Any]] = {}
    codes = [code for code, _ in CITIES.values()]
    for origin in codes:
        for destination in codes:
            if origin == destination:
                continue
            for date in DATES:
                for _ in range(rng.choice([0, 1, 2, 2, 3])):
                    airline = rng.choice(sorted(AIRLINES))
                    flight_id = f"{airline}{100 + len(flights)}"
                    depart = rng.randrange(6 * 60, 22 * 60, 5)
                    duration = rng.randrange(90, 245, 5)
                    flights[flight_id] = {
                        "flight_id": flight_id, "airline": AIRLINES[airline], "origin": origin,
                        "destination": destination, "date": date, "departure": _clock(depart),
                        "arrival": _clock((depart + duration) % (24 * 60)), "duration_min": duration,
                        "price_eur": rng.randint(4000, 40000) / 100, "seats_left": rng.randint(2, 40),
                    }
    hotels: dict[str, dict[str, Any]] = {}
    for city, (_, currency) in CITIES.items():
        count = rng.randint(4, 6)
        names = rng.sample(_HOTEL_WORDS, count)
        low, high = _RATE_RANGE[currency]
        rates = rng.sample(range(low, high), count)
        ratings = rng.sample(range(60, 99), count)
        for name, rate, rating in zip(names, rates, ratings, strict=True):
            hotel_id = f"H{len(hotels) + 1:03d}"
            hotels[hotel_id] = {
                "hotel_id": hotel_id, "name": f"{name} {city}", "city": city, "stars": rng.randint(2, 5),
                "nightly_rate": rate, "currency": currency, "rating": rating / 10,
            }
    return _Fixtures(flights, hotels)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class TravelDesk:
    """One traveller's desk: shared timetables, plus seat counts that this episode's bookings change."""

    def __init__(self) -> None:
        data = _fixtures()
        self._flights = {fid: dict(f) for fid, f in data.flights.items()}
        self._hotels = data.hotels
        self._bookings: list[dict[str, Any]] = []

    def airport_code(self, city: str) -> str:
        """Return the airport code of a city, e.g. airport_code("Lisbon") -> "LIS"."""
        for name, (code, _) in CITIES.items():
            if name.casefold() == city.strip().casefold():
                return code
        raise ValueError(f"unknown city {city!r}; known cities: {', '.join(CITIES)}")

    def search_flights(self, origin: str, destination: str, date: str) -> list[dict[str, str]]:
        """List the direct flights between two airport codes on a date ("YYYY-MM-DD").

        Returns [{"flight_id": ..., "departure": "HH:MM"}, ...] sorted by departure time; use flight_details for
        prices, airlines, durations and free seats. An empty list means no flight that day.
        """
        known = {code for code, _ in CITIES.values()}
        for code in (origin, destination):
            if code not in known:
                raise ValueError(f"unknown airport code {code!r}; use airport_code(city) to look one up")
        found = [f for f in self._flights.values()
                 if f["origin"] == origin and f["destination"] == destination and f["date"] == date]
        return [{"flight_id": f["flight_id"], "departure": f["departure"]}
                for f in sorted(found, key=lambda f: f["departure"])]

    def flight_details(self, flight_id: str) -> dict[str, Any]:
        """Return a flight's airline, origin, destination, date, departure, arrival, duration_min, price_eur (per
        passenger) and seats_left."""
        if flight_id not in self._flights:
            raise ValueError(f"unknown flight id {flight_id!r}")
        return dict(self._flights[flight_id])

    def search_hotels(self, city: str) -> list[str]:
        """List the ids of the hotels in a city (a city name such as "Paris", not an airport code)."""
        return [h["hotel_id"] for h in self._hotels.values() if h["city"].casefold() == city.strip().casefold()]

    def hotel_details(self, hotel_id: str) -> dict[str, Any]:
        """Return a hotel's name, city, stars (1-5), nightly_rate in its local currency, currency and rating (0-10)."""
        if hotel_id not in self._hotels:
            raise ValueError(f"unknown hotel id {hotel_id!r}")
        return dict(self._hotels[hotel_id])

    def convert(self, amount: float, from_currency: str, to_currency: str) -> float:
        """Convert an amount between currencies (EUR, USD, GBP, CHF, CZK, PLN, DKK); rounded to cents."""
        for code in (from_currency, to_currency):
            if code not in EUR_PER_UNIT:
                raise ValueError(f"unknown currency {code!r}; known: {', '.join(EUR_PER_UNIT)}")
        return round(amount * EUR_PER_UNIT[from_currency] / EUR_PER_UNIT[to_currency], 2)

    def book_flight(self, flight_id: str, passengers: int) -> dict[str, Any]:
        """Book seats on a flight; returns {"booking_id", "flight_id", "passengers", "total_eur"}.

        Fails when fewer than ``passengers`` seats are left. Booking lowers the flight's seats_left.
        """
        flight = self._flights.get(flight_id)
        if flight is None:
            raise ValueError(f"unknown flight id {flight_id!r}")
        if passengers < 1 or passengers > flight["seats_left"]:
            raise ValueError(f"cannot book {passengers} seats: {flight['seats_left']} left on {flight_id}")
        flight["seats_left"] -= passengers
        booking = {"booking_id": f"B{len(self._bookings) + 1:04d}", "flight_id": flight_id,
                   "passengers": passengers, "total_eur": round(flight["price_eur"] * passengers, 2)}
        self._bookings.append(booking)
        return dict(booking)


def _flight_records(t: Any, origin_city: str, destination_city: str, date: str) -> list[dict[str, Any]]:
    found = t.search_flights(t.airport_code(origin_city), t.airport_code(destination_city), date)
    return [t.flight_details(f["flight_id"]) for f in found]


def _cheapest(t: Any, origin_city: str, destination_city: str, date: str) -> dict[str, Any]:
    return unique_best(_flight_records(t, origin_city, destination_city, date), key=lambda f: f["price_eur"])


def _hotels(t: Any, city: str) -> list[dict[str, Any]]:
    return [t.hotel_details(h) for h in t.search_hotels(city)]


def cheapest_price(origin: str, destination: str, date: str) -> Case:
    return Case(
        f"What is the price in EUR of the cheapest direct flight from {origin} to {destination} on {date}? "
        "Answer with the number only.",
        lambda t: _cheapest(t, origin, destination, date)["price_eur"],
    )


def earliest_airline(origin: str, destination: str, date: str) -> Case:
    def solve(t: Any) -> str:
        found = t.search_flights(t.airport_code(origin), t.airport_code(destination), date)
        first = unique_best(found, key=lambda f: f["departure"])
        return t.flight_details(first["flight_id"])["airline"]

    return Case(
        f"Which airline operates the earliest direct flight from {origin} to {destination} on {date}? "
        "Answer with the airline name only.",
        solve,
    )


def shortest_duration(origin: str, destination: str, dates: list[str]) -> Case:
    def solve(t: Any) -> int:
        return min(f["duration_min"] for d in dates for f in _flight_records(t, origin, destination, d))

    return Case(
        f"Over the dates {', '.join(dates)}, what is the shortest duration in minutes of any direct flight from "
        f"{origin} to {destination}? Answer with the number of minutes only.",
        solve,
    )


def trip_cost(origin: str, destination: str, date: str, nights: int) -> Case:
    def solve(t: Any) -> float:
        flight = _cheapest(t, origin, destination, date)
        hotel = unique_best(_hotels(t, destination), key=lambda h: h["rating"], largest=True)
        stay = t.convert(hotel["nightly_rate"] * nights, hotel["currency"], "EUR")
        return round(flight["price_eur"] + stay, 2)

    return Case(
        f"I fly from {origin} to {destination} on {date} on the cheapest direct flight, then stay {nights} nights "
        f"in the highest-rated hotel in {destination}. What is the total cost in EUR for one person: the flight plus "
        "the hotel's price for all nights converted to EUR in one conversion? Answer with the number only, "
        "rounded to cents.",
        solve,
    )


def upscale_hotels(city: str) -> Case:
    def solve(t: Any) -> list[str]:
        good = [h for h in _hotels(t, city) if h["stars"] >= 4]
        return [h["name"] for h in sorted(good, key=lambda h: h["nightly_rate"])]

    return Case(
        f"List the names of the hotels in {city} with at least 4 stars, from the lowest to the highest nightly "
        'rate. Answer with a list of names, e.g. ["A", "B"].',
        solve,
    )


def seats_after_booking(origin: str, destination: str, date: str, passengers: int) -> Case:
    def solve(t: Any) -> int:
        flight = _cheapest(t, origin, destination, date)
        t.book_flight(flight["flight_id"], passengers)
        return t.flight_details(flight["flight_id"])["seats_left"]

    return Case(
        f"Book the cheapest direct flight from {origin} to {destination} on {date} for {passengers} passengers. "
        "How many seats are left on that flight after the booking? Answer with the number only.",
        solve,
    )


def cheapest_hotel_in(city: str, currency: str) -> Case:
    def solve(t: Any) -> float:
        hotel = unique_best(_hotels(t, city), key=lambda h: h["nightly_rate"])
        return t.convert(hotel["nightly_rate"], hotel["currency"], currency)

    return Case(
        f"What does one night in the cheapest hotel in {city} cost in {currency}? Answer with the number only, "
        "rounded to cents.",
        solve,
    )


def round_trip(origin: str, destination: str, out_date: str, back_date: str) -> Case:
    def solve(t: Any) -> float:
        out = _cheapest(t, origin, destination, out_date)
        back = _cheapest(t, destination, origin, back_date)
        return round(out["price_eur"] + back["price_eur"], 2)

    return Case(
        f"What is the lowest total price in EUR of a round trip {origin} -> {destination} on {out_date} and back "
        f"on {back_date}, taking the cheapest direct flight each way? Answer with the number only.",
        solve,
    )


DOMAIN = Domain(
    "travel",
    TravelDesk,
    (
        cheapest_price("Lisbon", "Berlin", "2025-06-06"),
        cheapest_price("Paris", "Rome", "2025-06-05"),
        cheapest_price("London", "Prague", "2025-06-02"),
        earliest_airline("Madrid", "Copenhagen", "2025-06-07"),
        earliest_airline("Zurich", "Lisbon", "2025-06-06"),
        shortest_duration("Warsaw", "Paris", DATES[:3]),
        shortest_duration("Berlin", "London", DATES[2:6]),
        trip_cost("Berlin", "Prague", "2025-06-02", 3),
        trip_cost("Rome", "London", "2025-06-05", 2),
        upscale_hotels("Paris"),
        upscale_hotels("Warsaw"),
        seats_after_booking("Lisbon", "Madrid", "2025-06-01", 2),
        seats_after_booking("Copenhagen", "Berlin", "2025-06-07", 3),
        cheapest_hotel_in("Prague", "USD"),
        cheapest_hotel_in("Zurich", "EUR"),
        round_trip("Madrid", "Paris", "2025-06-05", "2025-06-07"),
    ),
)

"""Meetings: teams, personal calendars, rooms, and a per-episode scheduler that books and cancels meetings.

Scheduling questions need the team roster, then free-slot searches over its members, then room lookups; booking
or cancelling changes later answers in the same episode.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, single, unique_best

TEAMS = {"design": ["ana", "ben", "cleo"], "platform": ["dev", "eli", "fay", "gus"], "sales": ["hal", "ivy", "jon"]}
ROOMS = {"Nook": 2, "Cedar": 4, "Maple": 6, "Oak": 8, "Summit": 12}
DATES = [f"2025-03-0{d}" for d in range(3, 8)]
DAY_START, DAY_END, STEP = 9 * 60, 17 * 60, 30
_TITLES = ("Standup", "Review", "1:1", "Planning", "Interview", "Focus time", "Lunch talk")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(clock: str) -> int:
    hours, _, mins = clock.partition(":")
    return int(hours) * 60 + int(mins)


@cache
def _seed_meetings() -> tuple[dict[str, Any], ...]:
    rng = random.Random(11)
    meetings: list[dict[str, Any]] = []
    owners = [p for members in TEAMS.values() for p in members] + [f"room:{r}" for r in ROOMS]
    for owner in owners:
        for date in DATES:
            taken: list[tuple[int, int]] = []
            for title in rng.sample(_TITLES, rng.randint(1, 3)):
                start = rng.randrange(DAY_START, DAY_END, STEP)
                end = start + rng.choice([30, 60, 90, 120])
                if end > DAY_END or any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                meetings.append({"meeting_id": f"E{len(meetings) + 1:03d}", "title": title, "date": date,
                                 "start": start, "end": end, "attendees": [owner]})
    return tuple(meetings)


class Scheduler:
    """Everyone's calendar for one week; this episode's bookings and cancellations change it."""

    def __init__(self) -> None:
        self._meetings = {m["meeting_id"]: dict(m, attendees=list(m["attendees"])) for m in _seed_meetings()}
        self._booked = 0

    def team_members(self, team: str) -> list[str]:
        """List the members of a team (teams: design, platform, sales)."""
        if team not in TEAMS:
            raise ValueError(f"unknown team {team!r}; teams: {', '.join(TEAMS)}")
        return list(TEAMS[team])

    def busy_slots(self, person: str, date: str) -> list[dict[str, str]]:
        """A person's meetings on a date ("YYYY-MM-DD"), sorted: [{"meeting_id", "title", "start", "end"}] with
        times as "HH:MM". The working day is 09:00-17:00."""
        self._check_person(person)
        return [{"meeting_id": m["meeting_id"], "title": m["title"], "start": _clock(m["start"]),
                 "end": _clock(m["end"])} for m in self._on(person, date)]

    def common_free_starts(self, people: list[str], date: str, minutes: int) -> list[str]:
        """Start times ("HH:MM", on the hour or half hour, earliest first) at which every listed person is free
        for ``minutes`` minutes within the 09:00-17:00 working day."""
        for person in people:
            self._check_person(person)
        return [_clock(s) for s in range(DAY_START, DAY_END - minutes + 1, STEP)
                if all(self._free(p, date, s, s + minutes) for p in people)]

    def list_rooms(self, min_capacity: int) -> list[dict[str, Any]]:
        """Rooms seating at least ``min_capacity`` people: [{"room", "capacity"}], smallest first."""
        return [{"room": r, "capacity": c} for r, c in sorted(ROOMS.items(), key=lambda rc: rc[1])
                if c >= min_capacity]

    def room_is_free(self, room: str, date: str, start: str, minutes: int) -> bool:
        """Whether a room has no booking overlapping [start, start + minutes) on a date."""
        if room not in ROOMS:
            raise ValueError(f"unknown room {room!r}; rooms: {', '.join(ROOMS)}")
        begin = _minutes(start)
        return self._free(f"room:{room}", date, begin, begin + minutes)

    def book_meeting(self, title: str, attendees: list[str], date: str, start: str, minutes: int,
                     room: str) -> dict[str, Any]:
        """Book a meeting for the attendees in a room; returns {"meeting_id", "title", "date", "start", "end",
        "room"}. Fails if anyone or the room is busy then, or the room is too small."""
        if room not in ROOMS:
            raise ValueError(f"unknown room {room!r}; rooms: {', '.join(ROOMS)}")
        if ROOMS[room] < len(attendees):
            raise ValueError(f"{room} seats {ROOMS[room]}, not {len(attendees)}")
        begin = _minutes(start)
        end = begin + minutes
        if begin < DAY_START or end > DAY_END:
            raise ValueError("meetings must fit in the 09:00-17:00 working day")
        for owner in [*attendees, f"room:{room}"]:
            if not owner.startswith("room:"):
                self._check_person(owner)
            if not self._free(owner, date, begin, end):
                raise ValueError(f"{owner.removeprefix('room:')} is busy on {date} between {start} and "
                                 f"{_clock(end)}")
        self._booked += 1
        meeting_id = f"N{self._booked:03d}"
        self._meetings[meeting_id] = {"meeting_id": meeting_id, "title": title, "date": date, "start": begin,
                                      "end": end, "attendees": [*attendees, f"room:{room}"]}
        return {"meeting_id": meeting_id, "title": title, "date": date, "start": start, "end": _clock(end),
                "room": room}

    def cancel_meeting(self, meeting_id: str) -> str:
        """Cancel a meeting by id, freeing its attendees and room; returns a confirmation."""
        if self._meetings.pop(meeting_id, None) is None:
            raise ValueError(f"unknown meeting id {meeting_id!r}")
        return f"cancelled {meeting_id}"

    def _check_person(self, person: str) -> None:
        if not any(person in members for members in TEAMS.values()):
            raise ValueError(f"unknown person {person!r}; use team_members(team)")

    def _on(self, owner: str, date: str) -> list[dict[str, Any]]:
        return sorted((m for m in self._meetings.values() if m["date"] == date and owner in m["attendees"]),
                      key=lambda m: m["start"])

    def _free(self, owner: str, date: str, begin: int, end: int) -> bool:
        return all(not (begin < m["end"] and m["start"] < end) for m in self._on(owner, date))


def _earliest(t: Any, team: str, date: str, minutes: int) -> str:
    return t.common_free_starts(t.team_members(team), date, minutes)[0]


def earliest_slot(team: str, date: str, minutes: int) -> Case:
    return Case(
        f"What is the earliest start time on {date} when the whole {team} team is free for a {minutes}-minute "
        'meeting? Answer with the time only, as "HH:MM".',
        lambda t: _earliest(t, team, date, minutes),
    )


def busy_minutes(team: str, date: str) -> Case:
    def solve(t: Any) -> int:
        return sum(_minutes(m["end"]) - _minutes(m["start"])
                   for p in t.team_members(team) for m in t.busy_slots(p, date))

    return Case(
        f"Adding up every member's meetings, how many minutes of meetings does the {team} team have on {date}? "
        "Answer with the number only.",
        solve,
    )


def _book_team(t: Any, team: str, date: str, minutes: int, title: str) -> dict[str, Any]:
    members = t.team_members(team)
    start = t.common_free_starts(members, date, minutes)[0]
    room = next(r["room"] for r in t.list_rooms(len(members)) if t.room_is_free(r["room"], date, start, minutes))
    return t.book_meeting(title, members, date, start, minutes, room)


def book_smallest_room(team: str, date: str, minutes: int) -> Case:
    return Case(
        f'Book a {minutes}-minute meeting titled "Sync" for the whole {team} team on {date} at the earliest time '
        "they are all free, in the smallest room that seats them and is free then. Which room did you book? "
        "Answer with the room name only.",
        lambda t: _book_team(t, team, date, minutes, "Sync")["room"],
    )


def free_members(team: str, date: str, start: str, minutes: int) -> Case:
    def solve(t: Any) -> int:
        return sum(1 for p in t.team_members(team) if start in t.common_free_starts([p], date, minutes))

    return Case(
        f"How many members of the {team} team are free on {date} from {start} for {minutes} minutes? "
        "Answer with the number only.",
        solve,
    )


def next_slot_after_booking(team: str, date: str, minutes: int) -> Case:
    def solve(t: Any) -> str:
        _book_team(t, team, date, minutes, "Kickoff")
        return _earliest(t, team, date, minutes)

    return Case(
        f'Book a {minutes}-minute "Kickoff" for the whole {team} team on {date} at the earliest time they are '
        "all free, in the smallest room that seats them and is free then. After that booking, what is the "
        f'earliest time that day they are all free for another {minutes} minutes? Answer with the time only, as '
        '"HH:MM".',
        solve,
    )


def best_day(people: list[str], minutes: int) -> Case:
    def solve(t: Any) -> str:
        counts = [(d, len(t.common_free_starts(people, d, minutes))) for d in DATES]
        return unique_best(counts, key=lambda dc: dc[1], largest=True)[0]

    return Case(
        f"Between {DATES[0]} and {DATES[-1]}, on which date do {' and '.join(people)} have the most possible "
        f"start times for a shared {minutes}-minute meeting? Answer with the date only, as YYYY-MM-DD.",
        solve,
    )


def earliest_after_cancel(person: str, title: str, date: str, team: str, minutes: int) -> Case:
    def solve(t: Any) -> str:
        meeting = single(m for m in t.busy_slots(person, date) if m["title"] == title)
        t.cancel_meeting(meeting["meeting_id"])
        return _earliest(t, team, date, minutes)

    return Case(
        f'Cancel {person}\'s "{title}" meeting on {date}. Then, what is the earliest start time that day when '
        f'the whole {team} team is free for {minutes} minutes? Answer with the time only, as "HH:MM".',
        solve,
    )


DOMAIN = Domain(
    "calendar",
    Scheduler,
    (
        earliest_slot("design", "2025-03-04", 90),
        earliest_slot("sales", "2025-03-06", 60),
        earliest_slot("platform", "2025-03-03", 90),
        busy_minutes("design", "2025-03-04"),
        busy_minutes("platform", "2025-03-05"),
        book_smallest_room("platform", "2025-03-06", 60),
        book_smallest_room("design", "2025-03-05", 120),
        free_members("platform", "2025-03-05", "10:00", 60),
        free_members("sales", "2025-03-03", "12:00", 30),
        next_slot_after_booking("design", "2025-03-06", 60),
        next_slot_after_booking("sales", "2025-03-04", 60),
        best_day(["ana", "dev"], 60),
        best_day(["ivy", "gus"], 90),
        earliest_after_cancel("ben", "Focus time", "2025-03-03", "design", 90),
        earliest_after_cancel("dev", "Standup", "2025-03-04", "platform", 60),
    ),
)

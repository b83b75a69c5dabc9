"""Message decoding: an inbox of encoded messages, a key store and three decoders.

Each message names its decoding steps and key id, so reading one takes a lookup, a key fetch and one or two
decoder calls; questions over several messages chain that for each of them.
"""

from __future__ import annotations

import base64
import random
import re
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, single

SENDERS = ("ada", "boris", "chen", "dagny")
_SUBJECTS = ("Friday plan", "Locker", "Weather", "Supplies", "Old friend", "Night shift", "Garden", "Station",
             "Budget", "Harbor", "Tickets", "Library", "Backup", "Keys", "Lanterns", "Morning")
_PLACES = ("harbor", "library", "station", "bakery", "museum", "garden", "bridge", "tower")
_THINGS = ("lantern", "ledger", "radio", "map", "camera", "bicycle", "compass", "kettle")
_TEMPLATES = (
    "meet me at the {place} at {hour} o clock",
    "the package is in locker {number} near the {place}",
    "urgent move the {thing} to the {place} tonight",
    "all quiet at the {place} no news today",
    "bring the {thing} and the {other} tomorrow",
    "urgent the {thing} is broken call {name}",
)
_KEYS = {"K1": "3", "K2": "11", "K3": "LEMON", "K4": "ORBIT", "K5": "19", "K6": "QUARTZ"}
_STEPS_BY_KEY = {"K1": "caesar", "K2": "caesar", "K5": "caesar", "K3": "vigenere", "K4": "vigenere",
                 "K6": "vigenere"}


@cache
def _inbox() -> dict[str, dict[str, Any]]:
    rng = random.Random(5)
    messages: dict[str, dict[str, Any]] = {}
    for subject in _SUBJECTS:
        things = rng.sample(_THINGS, 2)
        plain = rng.choice(_TEMPLATES).format(
            place=rng.choice(_PLACES), hour=rng.randint(1, 12), number=rng.randint(10, 99), thing=things[0],
            other=things[1], name=rng.choice(SENDERS),
        )
        key_id = rng.choice([*_KEYS, None])
        if key_id is None:
            steps, body = "base64", _b64(plain)
        else:
            step = _STEPS_BY_KEY[key_id]
            body = _caesar(plain, int(_KEYS[key_id])) if step == "caesar" else _vigenere(plain, _KEYS[key_id], +1)
            steps = step
            if rng.random() < 0.35:
                steps, body = f"base64>{step}", _b64(body)
        message_id = f"M{len(messages) + 1:02d}"
        messages[message_id] = {"message_id": message_id, "sender": rng.choice(SENDERS), "subject": subject,
                                "encoding": steps, "key_id": key_id, "body": body, "_plain": plain}
    return messages


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _caesar(text: str, shift: int) -> str:
    return "".join(_shift(ch, shift) for ch in text)


def _vigenere(text: str, key: str, direction: int) -> str:
    out, k = [], 0
    for ch in text:
        if ch.isalpha():
            out.append(_shift(ch, direction * (ord(key[k % len(key)].upper()) - ord("A"))))
            k += 1
        else:
            out.append(ch)
    return "".join(out)


def _shift(ch: str, shift: int) -> str:
    if not ch.isascii() or not ch.isalpha():
        return ch
    base = ord("a") if ch.islower() else ord("A")
    return chr(base + (ord(ch) - base + shift) % 26)


class Inbox:
    """A read-only mailbox and key store with pure decoders."""

    def __init__(self) -> None:
        self._messages = _inbox()

    def list_messages(self, sender: str | None = None) -> list[dict[str, str]]:
        """List messages as [{"message_id", "sender", "subject"}] in id order, optionally only one sender's
        (senders: ada, boris, chen, dagny)."""
        return [{"message_id": m["message_id"], "sender": m["sender"], "subject": m["subject"]}
                for m in self._messages.values() if sender is None or m["sender"] == sender.strip().lower()]

    def read_message(self, message_id: str) -> dict[str, Any]:
        """Return a message's sender, subject, encoding, key_id and encoded body.

        encoding lists the decoding steps in order, joined by ">": "base64>caesar" means base64_decode the body
        first, then caesar_decode the result with the key. key_id (None for plain base64) is for get_key.
        """
        if message_id not in self._messages:
            raise ValueError(f"unknown message id {message_id!r}; use list_messages to see them")
        return {k: v for k, v in self._messages[message_id].items() if not k.startswith("_")}

    def get_key(self, key_id: str) -> str:
        """Return the key stored under an id: a shift such as "11" for caesar, a word such as "LEMON" for
        vigenere."""
        if key_id not in _KEYS:
            raise ValueError(f"unknown key id {key_id!r}")
        return _KEYS[key_id]

    def caesar_decode(self, text: str, shift: int) -> str:
        """Undo a Caesar cipher: move every letter ``shift`` places back in the alphabet (others unchanged)."""
        return _caesar(text, -int(shift))

    def vigenere_decode(self, text: str, key: str) -> str:
        """Undo a Vigenere cipher with a letter key; non-letters are kept and do not consume key letters."""
        return _vigenere(text, key, -1)

    def base64_decode(self, text: str) -> str:
        """Decode base64 text into a UTF-8 string."""
        return base64.b64decode(text).decode()


def _decode(t: Any, message_id: str) -> str:
    message = t.read_message(message_id)
    text = message["body"]
    for step in message["encoding"].split(">"):
        if step == "base64":
            text = t.base64_decode(text)
        elif step == "caesar":
            text = t.caesar_decode(text, int(t.get_key(message["key_id"])))
        else:
            text = t.vigenere_decode(text, t.get_key(message["key_id"]))
    return text


def _decoded(t: Any, sender: str | None = None) -> list[tuple[dict[str, str], str]]:
    return [(m, _decode(t, m["message_id"])) for m in t.list_messages(sender)]


def decode(sender: str, subject: str) -> Case:
    def solve(t: Any) -> str:
        return _decode(t, single(m for m in t.list_messages(sender) if m["subject"] == subject)["message_id"])

    return Case(
        f'Decode the message from {sender} with the subject "{subject}". Answer with the decoded text only.',
        solve,
    )


def count_with_word(sender: str, word: str) -> Case:
    return Case(
        f'How many of {sender}\'s messages contain the word "{word}" once decoded? Answer with the number only.',
        lambda t: sum(1 for _, text in _decoded(t, sender) if word in text.split()),
    )


def subjects_with_word(word: str) -> Case:
    return Case(
        f'List the subjects of all messages, from any sender, whose decoded text contains the word "{word}", in '
        'message-id order. Answer with a list of subjects, e.g. ["A", "B"].',
        lambda t: [m["subject"] for m, text in _decoded(t) if word in text.split()],
    )


def first_words(sender: str) -> Case:
    return Case(
        f"Decode every message from {sender} and give the first word of each, in message-id order. Answer with "
        'a list of words, e.g. ["meet", "all"].',
        lambda t: [text.split()[0] for _, text in _decoded(t, sender)],
    )


def total_words(sender: str) -> Case:
    return Case(
        f"How many words do the decoded messages from {sender} contain in total? Answer with the number only.",
        lambda t: sum(len(text.split()) for _, text in _decoded(t, sender)),
    )


def who_mentions(word: str) -> Case:
    return Case(
        f'Exactly one sender has written about the "{word}". Who? Answer with the sender\'s name only.',
        lambda t: single({m["sender"] for m, text in _decoded(t) if word in text.split()}),
    )


def locker_number(sender: str) -> Case:
    def solve(t: Any) -> int:
        texts = [text for _, text in _decoded(t, sender)]
        return int(single(re.findall(r"locker (\d+)", " ".join(texts))))

    return Case(
        f"One of {sender}'s messages says which locker holds the package. What is the locker number? Answer with "
        "the number only.",
        solve,
    )


DOMAIN = Domain(
    "cipher",
    Inbox,
    (
        decode("dagny", "Friday plan"),
        decode("ada", "Station"),
        decode("boris", "Budget"),
        decode("chen", "Locker"),
        count_with_word("boris", "urgent"),
        count_with_word("dagny", "camera"),
        subjects_with_word("museum"),
        subjects_with_word("kettle"),
        first_words("chen"),
        first_words("ada"),
        total_words("boris"),
        total_words("dagny"),
        who_mentions("bridge"),
        who_mentions("radio"),
        locker_number("dagny"),
    ),
)

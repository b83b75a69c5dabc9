"""Tools of the example suite: a tiny lending library, built fresh for every episode by ``make_tools``.

The library is stateful (borrowing changes what is available), so the suite uses the ``make_tools()`` factory
and hands the library to ``checker.py`` as the episode's state.
"""

from __future__ import annotations

from typing import Any

_CATALOG = {
    "B1": {"title": "Dune", "author": "Frank Herbert", "copies": 2},
    "B2": {"title": "The Dispossessed", "author": "Ursula K. Le Guin", "copies": 1},
    "B3": {"title": "Solaris", "author": "Stanislaw Lem", "copies": 3},
    "B4": {"title": "Kindred", "author": "Octavia E. Butler", "copies": 1},
    "B5": {"title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin", "copies": 2},
}


class Library:
    def __init__(self) -> None:
        self.books = {book_id: dict(book) for book_id, book in _CATALOG.items()}
        self.loans: dict[str, list[str]] = {}

    def search_books(self, text: str) -> list[str]:
        """Ids of the books whose title or author contains ``text`` (case-insensitive), e.g. ["B1"]."""
        needle = text.casefold()
        return [book_id for book_id, book in self.books.items()
                if needle in book["title"].casefold() or needle in book["author"].casefold()]

    def book_info(self, book_id: str) -> dict[str, Any]:
        """A book's title, author and copies (copies available to borrow now)."""
        return dict(self.books[book_id])

    def borrow(self, book_id: str, member: str) -> str:
        """Lend one copy of a book to a member; fails when no copy is left."""
        book = self.books[book_id]
        if book["copies"] == 0:
            raise ValueError(f"no copy of {book['title']!r} left")
        book["copies"] -= 1
        self.loans.setdefault(member, []).append(book_id)
        return f"{member} borrowed {book['title']}"

    def loans_of(self, member: str) -> list[str]:
        """Ids of the books a member has borrowed, in borrowing order."""
        return list(self.loans.get(member, []))


def make_tools() -> tuple[list[Any], Library]:
    library = Library()
    return [library.search_books, library.book_info, library.borrow, library.loans_of], library

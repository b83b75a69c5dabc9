"""E-commerce: a catalog, a per-episode cart, coupons, shipping and checkout.

Search results carry ids and names only, so prices, weights and stock need a details call per product; coupons
and shipping depend on what the cart holds, so their tasks need the cart filled first.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, unique_best

_ITEMS: dict[str, list[str]] = {
    "audio": ["Headphones", "Speaker", "Microphone", "Earbuds", "Soundbar"],
    "kitchen": ["Kettle", "Toaster", "Blender", "Knife Set", "Coffee Grinder", "Frying Pan"],
    "books": ["Cookbook", "Atlas", "Novel", "Poetry Collection", "Field Guide"],
    "garden": ["Hose", "Shovel", "Planter", "Garden Lamp", "Sprinkler"],
    "office": ["Desk Lamp", "Stapler", "Notebook", "Monitor Stand", "Chair"],
}
_ADJECTIVES = ["Compact", "Deluxe", "Classic", "Eco", "Pro", "Smart"]
ZONES: dict[str, tuple[float, float]] = {"domestic": (4.90, 0.80), "eu": (9.90, 1.50), "world": (19.90, 3.20)}
"""Shipping zone -> (base fee, fee per kg)."""
FREE_DOMESTIC_FROM = 150.0


@cache
def _catalog() -> dict[str, dict[str, Any]]:
    rng = random.Random(77)
    products: dict[str, dict[str, Any]] = {}
    count = sum(len(items) for items in _ITEMS.values()) * 2
    prices = rng.sample(range(500, 25000), count)
    for category, items in _ITEMS.items():
        for item in items:
            for adjective in rng.sample(_ADJECTIVES, 2):
                product_id = f"P{100 + len(products)}"
                products[product_id] = {
                    "product_id": product_id, "name": f"{adjective} {item}", "category": category,
                    "price": prices[len(products)] / 100, "weight_kg": rng.randint(1, 80) / 10,
                    "stock": rng.randint(0, 25),
                }
    return products


class Shop:
    """One shopper's session: a shared catalog, plus this episode's cart, coupon and stock levels."""

    def __init__(self) -> None:
        self._products = {pid: dict(p) for pid, p in _catalog().items()}
        self._cart: dict[str, int] = {}
        self._coupon: str | None = None
        self._orders = 0

    def search_products(self, query: str) -> list[dict[str, str]]:
        """Find products whose name or category contains ``query`` (case-insensitive).

        Returns [{"product_id": ..., "name": ...}, ...] in catalog order; use product_details for the rest.
        """
        needle = query.strip().casefold()
        return [{"product_id": p["product_id"], "name": p["name"]} for p in self._products.values()
                if needle in p["name"].casefold() or needle in p["category"]]

    def product_details(self, product_id: str) -> dict[str, Any]:
        """Return a product's name, category, price (EUR), weight_kg and stock (units available)."""
        return dict(self._product(product_id))

    def add_to_cart(self, product_id: str, quantity: int) -> dict[str, Any]:
        """Add ``quantity`` units of a product to the cart and return the cart (as view_cart does).

        Fails when the cart would hold more units than the product's stock.
        """
        product = self._product(product_id)
        wanted = self._cart.get(product_id, 0) + quantity
        if quantity < 1 or wanted > product["stock"]:
            raise ValueError(f"cannot hold {wanted} units of {product_id}: {product['stock']} in stock")
        self._cart[product_id] = wanted
        return self.view_cart()

    def view_cart(self) -> dict[str, Any]:
        """Return the cart: items [{"product_id", "name", "quantity", "unit_price", "line_total"}], subtotal,
        weight_kg (total) and coupon (the applied code or None)."""
        items = []
        for pid, quantity in self._cart.items():
            p = self._products[pid]
            items.append({"product_id": pid, "name": p["name"], "quantity": quantity, "unit_price": p["price"],
                          "line_total": round(p["price"] * quantity, 2)})
        return {"items": items, "subtotal": self._subtotal(), "weight_kg": self._weight(), "coupon": self._coupon}

    def apply_coupon(self, code: str) -> dict[str, Any]:
        """Apply a coupon to the cart (replacing any earlier one); returns {"code", "discount", "total"}.

        Coupons: SAVE10 = 10% off the subtotal; TAKE15 = 15 EUR off a subtotal of at least 100 EUR;
        BOOKS20 = 20% off the books in the cart. Amounts are rounded to cents.
        """
        code = code.strip().upper()
        discount = self._discount(code)
        self._coupon = code
        return {"code": code, "discount": discount, "total": round(self._subtotal() - discount, 2)}

    def shipping_cost(self, zone: str) -> float:
        """Shipping for the current cart to a zone ("domestic", "eu" or "world"): a base fee plus a fee per kg
        (domestic 4.90 + 0.80/kg, eu 9.90 + 1.50/kg, world 19.90 + 3.20/kg), rounded to cents. Domestic
        shipping is free when the total after the coupon is at least 150 EUR."""
        if zone not in ZONES:
            raise ValueError(f"unknown zone {zone!r}; use one of {', '.join(ZONES)}")
        if zone == "domestic" and self._total_after_coupon() >= FREE_DOMESTIC_FROM:
            return 0.0
        base, per_kg = ZONES[zone]
        return round(base + per_kg * self._weight(), 2)

    def checkout(self, zone: str) -> dict[str, Any]:
        """Place the order and empty the cart; returns {"order_id", "subtotal", "discount", "shipping", "total"}
        where total = subtotal - discount + shipping. Stock goes down by the units bought."""
        if not self._cart:
            raise ValueError("the cart is empty: add_to_cart first")
        shipping = self.shipping_cost(zone)
        discount = self._discount(self._coupon) if self._coupon else 0.0
        subtotal = self._subtotal()
        for pid, quantity in self._cart.items():
            self._products[pid]["stock"] -= quantity
        self._orders += 1
        self._cart, self._coupon = {}, None
        return {"order_id": f"O{self._orders:04d}", "subtotal": subtotal, "discount": discount,
                "shipping": shipping, "total": round(subtotal - discount + shipping, 2)}

    def _product(self, product_id: str) -> dict[str, Any]:
        if product_id not in self._products:
            raise ValueError(f"unknown product id {product_id!r}; use search_products to find one")
        return self._products[product_id]

    def _subtotal(self) -> float:
        return round(sum(self._products[pid]["price"] * q for pid, q in self._cart.items()), 2)

    def _weight(self) -> float:
        return round(sum(self._products[pid]["weight_kg"] * q for pid, q in self._cart.items()), 2)

    def _total_after_coupon(self) -> float:
        return self._subtotal() - (self._discount(self._coupon) if self._coupon else 0.0)

    def _discount(self, code: str) -> float:
        subtotal = self._subtotal()
        if code == "SAVE10":
            return round(subtotal * 0.10, 2)
        if code == "TAKE15":
            if subtotal < 100:
                raise ValueError(f"TAKE15 needs a subtotal of at least 100 EUR (cart: {subtotal})")
            return 15.0
        if code == "BOOKS20":
            books = sum(self._products[pid]["price"] * q for pid, q in self._cart.items()
                        if self._products[pid]["category"] == "books")
            return round(books * 0.20, 2)
        raise ValueError(f"unknown coupon {code!r}; coupons: SAVE10, TAKE15, BOOKS20")


def _found(t: Any, query: str) -> list[dict[str, Any]]:
    return [t.product_details(p["product_id"]) for p in t.search_products(query)]


def _by_name(t: Any, name: str) -> dict[str, Any]:
    matches = [p for p in t.search_products(name) if p["name"] == name]
    return t.product_details(matches[0]["product_id"]) | {"product_id": matches[0]["product_id"]}


def _fill(t: Any, order: dict[str, int]) -> None:
    for name, quantity in order.items():
        t.add_to_cart(_by_name(t, name)["product_id"], quantity)


def _order_text(order: dict[str, int]) -> str:
    return ", ".join(f"{q} x {name}" for name, q in order.items())


def cheapest_match(query: str) -> Case:
    return Case(
        f'Search the catalog for "{query}". What is the price in EUR of the cheapest product found? '
        "Answer with the number only.",
        lambda t: unique_best(_found(t, query), key=lambda p: p["price"])["price"],
    )


def low_stock(category: str, below: int) -> Case:
    def solve(t: Any) -> int:
        return sum(1 for p in _found(t, category) if p["category"] == category and p["stock"] < below)

    return Case(
        f'How many products in the "{category}" category have fewer than {below} units in stock? '
        "Answer with the number only.",
        solve,
    )


def heaviest(category: str) -> Case:
    def solve(t: Any) -> str:
        products = [p for p in _found(t, category) if p["category"] == category]
        return unique_best(products, key=lambda p: p["weight_kg"], largest=True)["name"]

    return Case(
        f'What is the name of the heaviest product in the "{category}" category? Answer with the name only.',
        solve,
    )


def cheapest_and_priciest_with_coupon(cheap_query: str, pricey_query: str, coupon: str) -> Case:
    def solve(t: Any) -> float:
        cheap = unique_best(_found(t, cheap_query), key=lambda p: p["price"])
        pricey = unique_best(_found(t, pricey_query), key=lambda p: p["price"], largest=True)
        t.add_to_cart(cheap["product_id"], 2)
        t.add_to_cart(pricey["product_id"], 1)
        return t.apply_coupon(coupon)["total"]

    return Case(
        f'Put 2 units of the cheapest product found by searching "{cheap_query}" and 1 unit of the most '
        f'expensive product found by searching "{pricey_query}" in the cart, then apply the coupon {coupon}. '
        "What is the cart total after the discount, in EUR? Answer with the number only.",
        solve,
    )


def checkout_total(order: dict[str, int], zone: str, coupon: str | None) -> Case:
    def solve(t: Any) -> float:
        _fill(t, order)
        if coupon:
            t.apply_coupon(coupon)
        return t.checkout(zone)["total"]

    with_coupon = f", apply the coupon {coupon}" if coupon else ""
    return Case(
        f"Buy {_order_text(order)}{with_coupon} and check out with {zone} shipping. What is the order total in "
        "EUR, shipping included? Answer with the number only.",
        solve,
    )


def best_coupon(order: dict[str, int]) -> Case:
    def solve(t: Any) -> str:
        _fill(t, order)
        totals = []
        for code in ("SAVE10", "TAKE15", "BOOKS20"):
            try:
                totals.append((code, t.apply_coupon(code)["total"]))
            except ValueError:
                continue
        return unique_best(totals, key=lambda ct: ct[1])[0]

    return Case(
        f"My cart will hold {_order_text(order)}. Which coupon (SAVE10, TAKE15 or BOOKS20) gives the lowest "
        "total? Answer with the coupon code only.",
        solve,
    )


def shipping_for(order: dict[str, int], zone: str) -> Case:
    def solve(t: Any) -> float:
        _fill(t, order)
        return t.shipping_cost(zone)

    return Case(
        f"With {_order_text(order)} in the cart, what would {zone} shipping cost in EUR? "
        "Answer with the number only.",
        solve,
    )


def out_of_stock(category: str) -> Case:
    def solve(t: Any) -> list[str]:
        return sorted(p["name"] for p in _found(t, category) if p["category"] == category and p["stock"] == 0)

    return Case(
        f'List the names of the products in the "{category}" category that are out of stock, sorted '
        'alphabetically. Answer with a list of names, e.g. ["A", "B"] (an empty list if none).',
        solve,
    )


DOMAIN = Domain(
    "shop",
    Shop,
    (
        cheapest_match("lamp"),
        cheapest_match("eco"),
        low_stock("kitchen", 5),
        low_stock("books", 6),
        heaviest("garden"),
        heaviest("office"),
        cheapest_and_priciest_with_coupon("speaker", "toaster", "SAVE10"),
        cheapest_and_priciest_with_coupon("coffee grinder", "atlas", "BOOKS20"),
        checkout_total({"Smart Kettle": 2, "Eco Planter": 3}, "eu", None),
        checkout_total({"Deluxe Novel": 1, "Compact Sprinkler": 1}, "domestic", "TAKE15"),
        checkout_total({"Pro Microphone": 1, "Compact Poetry Collection": 2}, "domestic", "SAVE10"),
        best_coupon({"Deluxe Cookbook": 1, "Smart Kettle": 1}),
        best_coupon({"Classic Toaster": 1, "Eco Atlas": 1}),
        best_coupon({"Smart Headphones": 1}),
        shipping_for({"Compact Headphones": 1, "Pro Shovel": 2}, "world"),
        shipping_for({"Eco Atlas": 2}, "domestic"),
        out_of_stock("audio"),
        out_of_stock("books"),
    ),
)

"""Banking: customers, multi-currency accounts, monthly statements and a per-episode ledger for transfers.

Every question starts from a customer's name, goes through their account ids to balances or statements, and
often needs exchange rates; transfers change the balances later calls report.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, single, unique_best

CUSTOMERS = {"C01": "Mara Quist", "C02": "Tomas Vell", "C03": "Iris Okafor", "C04": "Lev Brandt"}
MONTHS = ("2025-01", "2025-02", "2025-03")
EUR_PER_UNIT = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17}
_CATEGORIES = {
    "groceries": ["FreshMart", "GreenGrocer", "CornerShop"], "dining": ["Bistro 9", "Noodle Bar", "Cafe Lune"],
    "utilities": ["CityPower", "AquaNet", "FiberLink"], "travel": ["RailCo", "Skyway", "CityCabs"],
    "rent": ["Oakridge Homes"], "salary": ["Acme Corp", "Northwind Ltd"],
}
_DEBIT_RANGE = {"groceries": (800, 16000), "dining": (900, 9000), "utilities": (3000, 14000),
                "travel": (1500, 48000), "rent": (70000, 140000)}


@cache
def _ledger() -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    rng = random.Random(99)
    accounts: dict[str, dict[str, Any]] = {}
    statements: dict[str, list[dict[str, Any]]] = {}
    for customer_id in CUSTOMERS:
        kinds = ["checking", "savings"] + (["travel"] if rng.random() < 0.6 else [])
        for kind in kinds:
            account_id = f"A{1001 + len(accounts)}"
            currency = "EUR" if kind == "checking" else rng.choice(sorted(EUR_PER_UNIT))
            rows = []
            for month in MONTHS:
                if kind == "checking":
                    rows.append({"date": f"{month}-01", "amount": rng.randint(250000, 420000) / 100,
                                 "counterparty": rng.choice(_CATEGORIES["salary"]), "category": "salary"})
                for _ in range(rng.randint(3, 8) if kind == "checking" else rng.randint(1, 3)):
                    category = rng.choice([c for c in _DEBIT_RANGE if kind == "checking" or c == "travel"])
                    low, high = _DEBIT_RANGE[category]
                    rows.append({"date": f"{month}-{rng.randint(2, 28):02d}", "amount": -rng.randint(low, high) / 100,
                                 "counterparty": rng.choice(_CATEGORIES[category]), "category": category})
            rows.sort(key=lambda r: r["date"])
            opening = rng.randint(50000, 900000) / 100
            accounts[account_id] = {"account_id": account_id, "owner": customer_id, "type": kind,
                                    "currency": currency,
                                    "balance": round(opening + sum(r["amount"] for r in rows), 2)}
            statements[account_id] = rows
    return accounts, statements


class Bank:
    """Shared customer data, plus balances and statements that this episode's transfers change."""

    def __init__(self) -> None:
        accounts, statements = _ledger()
        self._accounts = {aid: dict(a) for aid, a in accounts.items()}
        self._statements = {aid: [dict(r) for r in rows] for aid, rows in statements.items()}

    def find_customer(self, name: str) -> str:
        """Return the customer id (e.g. "C01") for a full name such as "Mara Quist"."""
        for customer_id, full in CUSTOMERS.items():
            if full.casefold() == name.strip().casefold():
                return customer_id
        raise ValueError(f"unknown customer {name!r}")

    def list_accounts(self, customer_id: str) -> list[str]:
        """Return the ids of a customer's accounts."""
        if customer_id not in CUSTOMERS:
            raise ValueError(f"unknown customer id {customer_id!r}; use find_customer(name)")
        return [aid for aid, a in self._accounts.items() if a["owner"] == customer_id]

    def account_info(self, account_id: str) -> dict[str, Any]:
        """Return an account's owner (customer id), type ("checking", "savings" or "travel"), currency and
        current balance."""
        return dict(self._account(account_id))

    def transactions(self, account_id: str, month: str) -> list[dict[str, Any]]:
        """An account's transactions in a month ("YYYY-MM"), oldest first: [{"date", "amount", "counterparty",
        "category"}]; amounts are in the account's currency, negative for money going out."""
        self._account(account_id)
        return [dict(r) for r in self._statements[account_id] if r["date"].startswith(month)]

    def exchange_rate(self, from_currency: str, to_currency: str) -> float:
        """How many units of ``to_currency`` one unit of ``from_currency`` buys (EUR, USD, GBP), to 6 decimals."""
        for code in (from_currency, to_currency):
            if code not in EUR_PER_UNIT:
                raise ValueError(f"unknown currency {code!r}; known: {', '.join(EUR_PER_UNIT)}")
        return round(EUR_PER_UNIT[from_currency] / EUR_PER_UNIT[to_currency], 6)

    def transfer(self, from_account: str, to_account: str, amount: float) -> dict[str, Any]:
        """Move ``amount`` (in the source account's currency) between accounts; the destination is credited
        amount * exchange_rate, rounded to cents. Returns {"credited", "from_balance", "to_balance"}."""
        source, target = self._account(from_account), self._account(to_account)
        if amount <= 0 or amount > source["balance"]:
            raise ValueError(f"cannot transfer {amount}: balance is {source['balance']}")
        credited = round(amount * self.exchange_rate(source["currency"], target["currency"]), 2)
        source["balance"] = round(source["balance"] - amount, 2)
        target["balance"] = round(target["balance"] + credited, 2)
        return {"credited": credited, "from_balance": source["balance"], "to_balance": target["balance"]}

    def _account(self, account_id: str) -> dict[str, Any]:
        if account_id not in self._accounts:
            raise ValueError(f"unknown account id {account_id!r}; use list_accounts(customer_id)")
        return self._accounts[account_id]


def _infos(t: Any, name: str) -> list[dict[str, Any]]:
    return [t.account_info(a) for a in t.list_accounts(t.find_customer(name))]


def _account_of(t: Any, name: str, kind: str) -> dict[str, Any]:
    return single(a for a in _infos(t, name) if a["type"] == kind)


def total_balance(name: str, currency: str) -> Case:
    def solve(t: Any) -> float:
        return round(sum(a["balance"] * t.exchange_rate(a["currency"], currency) for a in _infos(t, name)), 2)

    return Case(
        f"What is the combined balance of all of {name}'s accounts in {currency}? Convert each balance with "
        "exchange_rate (no intermediate rounding) and round only the total to cents. Answer with the number only.",
        solve,
    )


def category_spend(name: str, category: str, month: str) -> Case:
    def solve(t: Any) -> float:
        rows = t.transactions(_account_of(t, name, "checking")["account_id"], month)
        return round(-sum(r["amount"] for r in rows if r["category"] == category), 2)

    return Case(
        f'How much did {name} spend on "{category}" in {month} from their checking account, in EUR? '
        "Answer with the positive number only.",
        solve,
    )


def largest_debit(name: str, month: str) -> Case:
    def solve(t: Any) -> str:
        rows = [r for r in t.transactions(_account_of(t, name, "checking")["account_id"], month) if r["amount"] < 0]
        return unique_best(rows, key=lambda r: r["amount"])["counterparty"]

    return Case(
        f"Who received the largest single payment from {name}'s checking account in {month}? Answer with the "
        "counterparty name only.",
        solve,
    )


def transfer_then_balance(payer: str, from_kind: str, payee: str, to_kind: str, amount: float) -> Case:
    def solve(t: Any) -> float:
        source = _account_of(t, payer, from_kind)
        target = _account_of(t, payee, to_kind)
        t.transfer(source["account_id"], target["account_id"], amount)
        return t.account_info(target["account_id"])["balance"]

    return Case(
        f"Transfer {amount} (in the source account's currency) from {payer}'s {from_kind} account to {payee}'s "
        f"{to_kind} account. What is the balance of {payee}'s {to_kind} account afterwards, in its own currency? "
        "Answer with the number only.",
        solve,
    )


def count_large(name: str, month: str, threshold: float) -> Case:
    def solve(t: Any) -> int:
        return sum(1 for a in _infos(t, name) for r in t.transactions(a["account_id"], month)
                   if abs(r["amount"]) > threshold)

    return Case(
        f"Across all of {name}'s accounts, how many transactions in {month} have an amount larger than "
        f"{threshold} in absolute value (in each account's own currency)? Answer with the number only.",
        solve,
    )


def net_flow(name: str, kind: str, month: str) -> Case:
    def solve(t: Any) -> float:
        return round(sum(r["amount"] for r in t.transactions(_account_of(t, name, kind)["account_id"], month)), 2)

    return Case(
        f"What was the net cash flow (money in minus money out) of {name}'s {kind} account in {month}, in the "
        "account's currency? Answer with the number only (negative if more went out).",
        solve,
    )


def top_spending_month(name: str) -> Case:
    def solve(t: Any) -> str:
        account = _account_of(t, name, "checking")["account_id"]
        spent = [(m, -sum(r["amount"] for r in t.transactions(account, m) if r["amount"] < 0)) for m in MONTHS]
        return unique_best(spent, key=lambda ms: ms[1], largest=True)[0]

    return Case(
        f"In which month of {MONTHS[0]} to {MONTHS[-1]} did the most money leave {name}'s checking account? "
        "Answer with the month only, as YYYY-MM.",
        solve,
    )


DOMAIN = Domain(
    "bank",
    Bank,
    (
        total_balance("Mara Quist", "EUR"),
        total_balance("Tomas Vell", "USD"),
        total_balance("Lev Brandt", "GBP"),
        category_spend("Iris Okafor", "groceries", "2025-01"),
        category_spend("Mara Quist", "dining", "2025-03"),
        largest_debit("Tomas Vell", "2025-01"),
        largest_debit("Lev Brandt", "2025-02"),
        transfer_then_balance("Lev Brandt", "savings", "Mara Quist", "savings", 250.0),
        transfer_then_balance("Tomas Vell", "savings", "Iris Okafor", "checking", 400.0),
        count_large("Iris Okafor", "2025-02", 300),
        count_large("Mara Quist", "2025-03", 100),
        net_flow("Lev Brandt", "checking", "2025-03"),
        net_flow("Mara Quist", "travel", "2025-02"),
        top_spending_month("Tomas Vell"),
        top_spending_month("Iris Okafor"),
    ),
)

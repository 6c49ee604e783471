"""Guided actions over a real CRM export: the Maven Analytics "CRM Sales Opportunities" data set.

A data team receives the CSV export in ``examples/maven-crm/`` (see its ``SOURCE.md``) and turns it
into a ``guided-actions/1`` interchange document with nothing but the standard library:

- the 35 sales agents become users (an email derived from the name, a time zone by regional
  office);
- the 85 accounts become companies;
- the 8,800 opportunities become deals in one deal pipeline with the stages ``Prospecting``,
  ``Engaging``, ``Won`` (closed, won) and ``Lost`` (closed), each with an ``amount``: the
  export's ``close_value`` for a deal closed by ``now``, the list price of its product
  (``products.csv``) for one still open at ``now``.

The export is the state of the CRM at its end (December 2017). To look at the pipeline as the
agents saw it at an earlier instant ``now``, the document is built *as of* ``now``: an
opportunity closed after ``now`` was still being engaged at ``now`` (stage ``Engaging``, not
closed), and one engaged after ``now`` did not exist yet (its ``created_at`` is after ``now``, so
the library ignores it).

A deal's ``close_value`` is the price agreed when it closed (0 when lost): it is not known
before, so an opportunity open at ``now`` is worth its product's list price then. (The
pipeline spells one product ``GTXPro`` where the price list has ``GTX Pro``: products are
matched without spaces.)

A deal's ``created_at`` is its ``engage_date`` at UTC midnight. The 500 opportunities still in
``Prospecting`` carry no date at all; the example assumes each was created
``--prospecting-age`` days before ``now`` (10 by default), and says so when it runs.

The export holds no contacts and no activities, so the deal rules that look for them fire:
``add_contact_to_deal`` for deals engaged 7 to 14 days before ``now``, and
``initial_outreach_needed`` for the prospecting ones.

Run it from the repository root::

    python examples/maven_crm.py
    python examples/maven_crm.py --now 2017-09-15T17:00:00Z --export maven.json
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from guided_actions import Snapshot, evaluate_all

DATA = Path(__file__).resolve().parent / "maven-crm"

#: The instant the example evaluates at by default: a Friday afternoon inside the export's range.
DEFAULT_NOW = datetime(2017, 6, 30, 17, 0, tzinfo=UTC)

#: The regional offices of the export, mapped to an IANA time zone.
OFFICE_TIMEZONES = {
    "Central": "America/Chicago",
    "East": "America/New_York",
    "West": "America/Los_Angeles",
}

MAIL_DOMAIN = "maven-crm.example"

PIPELINE = {
    "id": "sales",
    "object": "deal",
    "stages": [
        {"id": "prospecting", "label": "Prospecting"},
        {"id": "engaging", "label": "Engaging"},
        {"id": "won", "label": "Won", "closed": True, "won": True},
        {"id": "lost", "label": "Lost", "closed": True},
    ],
}


def slug(text: str) -> str:
    """``"Moses Frase"`` -> ``"moses-frase"``: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def utc_midnight(day: str) -> datetime:
    """``"2017-03-01"`` -> 2017-03-01T00:00:00+00:00."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def read_csv(name: str, data: Path) -> list[dict[str, str]]:
    with (data / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def users_from(teams: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One user per sales agent."""
    return [
        {
            "id": slug(row["sales_agent"]),
            "email": slug(row["sales_agent"]).replace("-", ".") + "@" + MAIL_DOMAIN,
            "timezone": OFFICE_TIMEZONES[row["regional_office"]],
            "team_ids": [slug(row["regional_office"])],
        }
        for row in teams
    ]


def companies_from(accounts: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One company per account (the export's sector, revenue… have no field in the format)."""
    return [{"id": slug(row["account"]), "name": row["account"]} for row in accounts]


def product_key(name: str) -> str:
    """``"GTX Pro"`` and ``"GTXPro"`` -> ``"gtxpro"``: a product name without spaces or case."""
    return "".join(name.split()).casefold()


def prices_from(products: list[dict[str, str]]) -> dict[str, int]:
    """The list price of every product, by :func:`product_key`."""
    return {product_key(row["product"]): int(row["sales_price"]) for row in products}


def deal_from(
    row: dict[str, str],
    now: datetime,
    prospecting_age: timedelta,
    prices: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One deal per opportunity, in the state it had at ``now``, with its amount then: the
    ``close_value`` of a deal closed by ``now``, else its product's list price in ``prices``."""
    # Still in Prospecting at the end of the export: no date at all, assume one.
    engaged = row["engage_date"]
    created_at = utc_midnight(engaged) if engaged else now - prospecting_age
    closed_at = utc_midnight(row["close_date"]) if row["close_date"] else None
    if closed_at is not None and closed_at <= now:
        stage = row["deal_stage"].lower()  # won or lost, by now
    elif row["engage_date"]:
        stage, closed_at = "engaging", None  # engaged, not closed yet at now
    else:
        stage = "prospecting"
    deal: dict[str, Any] = {
        "id": row["opportunity_id"],
        "owner_id": slug(row["sales_agent"]),
        "pipeline_id": PIPELINE["id"],
        "stage_id": stage,
        "created_at": created_at.isoformat(),
    }
    if closed_at is not None:
        deal["closed_at"] = closed_at.isoformat()
    if row["account"]:
        deal["company_ids"] = [slug(row["account"])]
    close_value = row.get("close_value", "")
    if closed_at is not None and close_value:
        deal["amount"] = int(close_value)
    elif (price := (prices or {}).get(product_key(row.get("product", "")))) is not None:
        deal["amount"] = price
    return deal


def build_document(
    now: datetime, *, prospecting_age: timedelta = timedelta(days=10), data: Path = DATA
) -> dict[str, Any]:
    """The export as a ``guided-actions/1`` interchange document, as of ``now``."""
    prices = prices_from(read_csv("products.csv", data))
    return {
        "schema": "guided-actions/1",
        "users": users_from(read_csv("sales_teams.csv", data)),
        "pipelines": [PIPELINE],
        "companies": companies_from(read_csv("accounts.csv", data)),
        "deals": [
            deal_from(row, now, prospecting_age, prices)
            for row in read_csv("sales_pipeline.csv", data)
        ],
    }


def count_actions(snapshot: Snapshot, now: datetime) -> dict[str, Counter[str]]:
    """For every agent with at least one action: how many actions each rule gives them."""
    counts: dict[str, Counter[str]] = {}
    for user_id, result in evaluate_all(snapshot, now).items():
        by_rule = Counter(action.rule for action in result)
        if by_rule:
            counts[user_id] = by_rule
    return counts


def main(argv: Sequence[str] | None = None) -> dict[str, Counter[str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--now",
        type=lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")),
        default=DEFAULT_NOW,
        help="the instant to evaluate at, ISO-8601 with an offset (default: %(default)s)",
    )
    parser.add_argument(
        "--prospecting-age",
        type=int,
        default=10,
        help="days before --now at which undated Prospecting opportunities are assumed created",
    )
    parser.add_argument("--export", type=Path, help="write the interchange document to this file")
    args = parser.parse_args(argv)
    now: datetime = args.now
    if now.tzinfo is None:
        parser.error("--now needs a time zone offset, e.g. 2017-06-30T17:00:00Z")

    document = build_document(now, prospecting_age=timedelta(days=args.prospecting_age))
    snapshot = Snapshot.from_dict(document)
    print(
        f"{len(document['users'])} agents, {len(document['companies'])} companies, "
        f"{len(document['deals'])} deals; evaluated at {now.isoformat()}"
    )
    print(f"(undated Prospecting opportunities assumed created {args.prospecting_age} days before)")
    counts = count_actions(snapshot, now)
    for user_id in sorted(counts):
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(counts[user_id].items()))
        print(f"{user_id:<22} {rules}")
    quiet = len(document["users"]) - len(counts)
    print(f"{len(counts)} agents with actions, {quiet} without")

    if args.export is not None:
        args.export.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.export}")
    return counts


if __name__ == "__main__":
    main()

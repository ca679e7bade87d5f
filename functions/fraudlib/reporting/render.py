"""The report's files: the JSON summary and a CSV of the flagged transactions.

The CSV is what an analyst works through: one row per review or block of the day, riskiest first,
with the rules that fired. Both renderings are byte-for-byte reproducible for the same data (sorted
keys and rows, no generation time), so a rerun overwrites the objects with identical content.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from fraudlib.reporting.aggregate import DailyReport

CSV_COLUMNS = (
    "transaction_id",
    "time_utc",
    "customer_id",
    "merchant_id",
    "terminal_id",
    "merchant_category",
    "country",
    "amount",
    "currency",
    "risk_score",
    "decision",
    "rules",
)


# A cell starting with one of these is run as a formula by spreadsheet programs; ids come from
# clients, so such a cell is defused with a leading apostrophe (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_json(report: DailyReport) -> bytes:
    """The summary as pretty, key-sorted UTF-8 JSON."""
    return (json.dumps(report.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render_csv(report: DailyReport) -> bytes:
    """Flagged transactions as RFC 4180 CSV with a header row, riskiest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t in report.flagged:
        writer.writerow(
            (
                _cell(t.transaction_id),
                datetime.fromtimestamp(t.timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                _cell(t.customer_id),
                _cell(t.merchant_id),
                _cell(t.terminal_id),
                _cell(t.merchant_category),
                _cell(t.country),
                str(t.amount),
                t.currency,
                "" if t.risk_score is None else t.risk_score,
                t.decision or "",
                ";".join(t.rules),
            )
        )
    return buffer.getvalue().encode("utf-8")

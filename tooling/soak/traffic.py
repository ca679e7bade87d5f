"""The requests of a soak run, planned up front: new transactions, replays, conflicts and bad inputs.

New transactions are the sample set of `tooling.sample_transactions` (customers with history and every
kind of fraud the engine knows), repeated under fresh run ids until the volume is reached. Replays and
conflicts repeat an earlier request's id and are sent only once that request was answered (a replay
racing its original is another test: the API's own). Every bad input carries an id of its own, so
that "nothing was written" can be checked for it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tooling.sample_transactions import SampleTransaction, sample_transactions
from tooling.soak.settings import SoakSettings

NEW = "new"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
BAD = "bad"
OVERSIZE_BYTES = 9000
"""Above the web ACL's 8 KB body limit (413)."""


@dataclass(frozen=True)
class PlannedRequest:
    """One POST /transactions of the run."""

    index: int
    kind: str
    """new, duplicate, conflict or bad."""
    transaction_id: str
    body: str
    """Exactly the bytes sent (a replay sends its original's text again)."""
    expected: tuple[int, ...]
    """The answers that are right."""
    scenario: str
    """The sample's scenario (new transactions and their repeats) or the kind of bad input."""
    original: int | None = None
    """The request a replay or conflict repeats: sent only after that one was answered."""

    @property
    def fields(self) -> dict[str, Any]:
        """The body as JSON (empty for a body that is not JSON)."""
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


def _bad_inputs(template: dict[str, Any], transaction_id: str, now: int) -> list[tuple[str, str]]:
    """(what is wrong, body) pairs: each must be refused with a 4xx and write nothing."""
    base = template | {"transaction_id": transaction_id}
    without_currency = {k: v for k, v in base.items() if k != "currency"}
    return [
        ("missing currency", json.dumps(without_currency)),
        ("amount not a number", json.dumps(base | {"amount": "12,50"})),
        ("negative amount", json.dumps(base | {"amount": "-5.00"})),
        ("timestamp 60 days old", json.dumps(base | {"timestamp": now - 60 * 86400})),
        ("unknown currency", json.dumps(base | {"currency": "XYZ"})),
        ("body not JSON", '{"transaction_id": "' + transaction_id + '", "amount": '),
        ("body over the size limit", json.dumps(base | {"merchant_id": "m" * OVERSIZE_BYTES})),
    ]


def plan_traffic(settings: SoakSettings, run_id: str, now: datetime,
                 rng: Callable[[], random.Random] = lambda: random.Random(0)) -> list[PlannedRequest]:  # noqa: S311
    """Every request of the run, in sending order."""
    chooser = rng()
    total = settings.requests
    duplicates = round(total * settings.duplicate_share)
    conflicts = round(total * settings.conflict_share)
    bad = round(total * settings.bad_share)
    new = total - duplicates - conflicts - bad
    samples: list[SampleTransaction] = []
    round_number = 0
    while len(samples) < new:
        samples += sample_transactions(now, f"{run_id}r{round_number}")
        round_number += 1
    samples = samples[:new]
    stamp = int(now.timestamp())

    # Positions: new transactions in their chronological order, the others spread among them.
    kinds = [NEW] * new + [DUPLICATE] * duplicates + [CONFLICT] * conflicts + [BAD] * bad
    tail = kinds[1:]
    chooser.shuffle(tail)
    kinds = [NEW, *tail]  # the first request is new: a repeat needs an original before it
    planned: list[PlannedRequest] = []
    originals: list[int] = []  # indexes of new requests sent so far
    next_sample = iter(samples)  # exactly as many as there are NEW positions
    bad_number = 0
    for index, kind in enumerate(kinds):
        if kind == NEW:
            sample = next(next_sample)
            planned.append(PlannedRequest(index, NEW, sample.transaction_id, json.dumps(sample.body), (201,),
                                          sample.scenario))
            originals.append(index)
            continue
        if kind == BAD:
            transaction_id = f"{run_id}-bad{bad_number:05d}"
            template = json.loads(planned[originals[-1]].body)
            reasons = _bad_inputs(template, transaction_id, stamp)
            reason, body = reasons[bad_number % len(reasons)]
            bad_number += 1
            planned.append(PlannedRequest(index, BAD, transaction_id, body, tuple(range(400, 500)), reason))
            continue
        original = planned[chooser.choice(originals)]
        if kind == DUPLICATE:
            planned.append(PlannedRequest(index, DUPLICATE, original.transaction_id, original.body, (200,),
                                          original.scenario, original=original.index))
        else:
            changed = original.fields | {"amount": str(Decimal(str(original.fields["amount"])) + Decimal("1.00"))}
            planned.append(PlannedRequest(index, CONFLICT, original.transaction_id, json.dumps(changed), (409,),
                                          original.scenario, original=original.index))
    return planned

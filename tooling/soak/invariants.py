"""The invariants a soak run must end with, checked on what was observed (pure: no AWS, no clock).

Each check yields one row: passed, failed (with the offending ids), or skipped with the reason. Under
at-least-once delivery a record or message may be delivered again; what must never happen is a
second stored transaction, a second counted score, a lost score or alert, or an alert published twice
within the notifier's dedup window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tooling.soak.traffic import BAD, NEW, PlannedRequest

ALERTED_DECISIONS = ("review", "block")
SHOWN_IDS = 5


@dataclass(frozen=True)
class Check:
    """One invariant's verdict."""

    name: str
    passed: bool | None
    """None: skipped (see detail)."""
    detail: str

    @property
    def status(self) -> str:
        """PASS, FAIL or SKIP."""
        return "SKIP" if self.passed is None else "PASS" if self.passed else "FAIL"


@dataclass(frozen=True)
class DayTotals:
    """One day's transactions: this run's accepted ones, the table's, and the daily report's."""

    accepted_by_run: int
    scored_of_run: int
    """This run's accepted transactions of the day that are stored and scored."""
    stored: int
    """Transactions of the day the API stored in the table (every writer's)."""
    scored: int
    reported: int | None
    """The report's transaction_count (None: the report could not be made)."""
    reported_unscored: int | None


@dataclass
class Observation:
    """Everything the checks look at."""

    requests: Sequence[PlannedRequest]
    statuses: Mapping[int, int]
    """Request index -> HTTP status (0: no answer)."""
    stored: Mapping[str, list[dict[str, Any]]]
    """Transaction id -> the items stored under it (records, not id markers), for this run's ids."""
    markers: frozenset[str]
    """Transaction ids of this run that have an id marker item."""
    score_writes: Mapping[str, int]
    """Transaction id -> score writes that succeeded (noted by the played functions' hooks)."""
    conditional_score_writes: bool | None
    """Whether every score write was conditioned on `scored_at` being absent (None: none was seen)."""
    alerts: Mapping[str, int]
    """Transaction id -> alerts published on the topic."""
    dedup_window_seconds: float
    run_seconds: float
    dlq_left: Sequence[str]
    """Messages of this run still in the DLQ after the redrive (described)."""
    stream_pending: int
    fraud_queue_depth: int
    days: Mapping[str, DayTotals]
    merchant_counters: Mapping[tuple[str, str], tuple[int, int]] | None
    """(merchant key, day) -> (expected from the stored transactions, counted): None when there is
    nothing to compare (see `merchant_counters_absent`)."""
    merchant_counters_absent: str = "not deployed: the deployment has no merchant-counters table"
    """Why the counters were not compared."""
    faults_injected: Mapping[str, int] = field(default_factory=dict)


def _ids(ids: Sequence[str] | set[str]) -> str:
    shown = sorted(ids)[:SHOWN_IDS]
    return ", ".join(shown) + (f" (+{len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")


def _verdict(name: str, failures: Sequence[str] | set[str], ok: str, failed: str) -> Check:
    return Check(name, not failures, ok if not failures else f"{failed}: {_ids(failures)}")


def answers_as_promised(o: Observation) -> Check:
    """New -> 201, replay -> 200, conflict -> 409, bad input -> 4xx."""
    wrong = [f"#{r.index} {r.kind} {r.transaction_id} got {o.statuses.get(r.index)}" for r in o.requests
             if o.statuses.get(r.index) not in r.expected]
    counts = Counter(f"{r.kind} {o.statuses.get(r.index)}" for r in o.requests)
    return _verdict("every request answered as the API promises", wrong,
                    ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), "unexpected answers")


def _created(o: Observation) -> dict[str, list[PlannedRequest]]:
    created: dict[str, list[PlannedRequest]] = {}
    for request in o.requests:
        if o.statuses.get(request.index) == 201:
            created.setdefault(request.transaction_id, []).append(request)
    return created


def stored_exactly_once(o: Observation) -> Check:
    """Every 201 is one stored item, with the body that got the 201; no id was created twice."""
    wrong = []
    for transaction_id, requests in _created(o).items():
        items = o.stored.get(transaction_id, [])
        if len(requests) != 1 or len(items) != 1:
            wrong.append(f"{transaction_id} ({len(requests)} x 201, {len(items)} stored)")
        elif Decimal(str(items[0].get("amount"))) != Decimal(str(requests[0].fields.get("amount"))):
            wrong.append(f"{transaction_id} (stored amount {items[0].get('amount')} is not the created one)")
    return _verdict("every 201 stored exactly once", wrong, f"{len(_created(o))} created, each stored once",
                    "not stored exactly once")


def refused_wrote_nothing(o: Observation) -> Check:
    """A bad input leaves neither a record nor an id marker."""
    refused = [r for r in o.requests if r.kind == BAD and 400 <= o.statuses.get(r.index, 0) < 500]
    written = [r.transaction_id for r in refused if r.transaction_id in o.stored or r.transaction_id in o.markers]
    return _verdict("every 4xx wrote nothing", written, f"{len(refused)} refused, nothing written for any",
                    "written although refused")


def _stored_ids(o: Observation) -> list[str]:
    return sorted(transaction_id for transaction_id in _created(o) if o.stored.get(transaction_id))


def scored_exactly_once(o: Observation) -> Check:
    """Every stored transaction carries scored_at; with the analyzer's conditional first write, exactly one
    score write succeeded for it (an unconditional write-back is idempotent, so there only "at least one"
    can be asked, and the re-writes are counted)."""
    ids = _stored_ids(o)
    unscored = [i for i in ids if not o.stored[i][0].get("scored_at")]
    never_written = [i for i in ids if o.score_writes.get(i, 0) == 0]
    rewritten = [i for i in ids if o.score_writes.get(i, 0) > 1]
    name = "every stored transaction scored exactly once"
    if unscored or never_written:
        return _verdict(name, sorted(set(unscored) | set(never_written)), "", "not scored")
    if o.conditional_score_writes:
        return _verdict(name, [f"{i} ({o.score_writes[i]} writes)" for i in rewritten],
                        f"{len(ids)} scored, one conditional score write each", "scored more than once")
    return Check(name, True, f"{len(ids)} scored; the write-back is not conditional on scored_at, so this is "
                             f"at least once: {len(rewritten)} written again on redelivery")


def merchant_counters_exact(o: Observation) -> Check:
    """tx#<day> of each merchant (or terminal) equals its stored, scored transactions of that day."""
    name = "merchant counters exact"
    if o.merchant_counters is None:
        return Check(name, None, o.merchant_counters_absent)
    wrong = [f"{key} {day}: counted {counted}, stored {expected}"
             for (key, day), (expected, counted) in sorted(o.merchant_counters.items()) if expected != counted]
    return _verdict(name, wrong, f"{len(o.merchant_counters)} merchant days, each counter exact", "counters off")


def alerted_once(o: Observation) -> Check:
    """Every review/block was published at least once, and exactly once within the dedup window."""
    flagged = [i for i in _stored_ids(o) if o.stored[i][0].get("decision") in ALERTED_DECISIONS]
    lost = [i for i in flagged if o.alerts.get(i, 0) == 0]
    if lost:
        return _verdict("every review/block alerted once", lost, "", "never alerted")
    within = o.run_seconds <= o.dedup_window_seconds
    twice = [f"{i} ({o.alerts[i]}x)" for i in flagged if o.alerts[i] > 1]
    if within:
        return _verdict("every review/block alerted once", twice,
                        f"{len(flagged)} flagged, each published once (dedup window "
                        f"{o.dedup_window_seconds / 3600:g} h covers the run)", "published more than once")
    return Check("every review/block alerted once", True,
                 f"{len(flagged)} flagged, each published; the run outlasted the dedup window, "
                 f"{len(twice)} published again")


def dlq_empty(o: Observation) -> Check:
    """Nothing of the run is left in the DLQ once it was redriven."""
    return _verdict("DLQ empty after redrive", list(o.dlq_left), "nothing of this run left", "left in the DLQ")


def caught_up(o: Observation) -> Check:
    """The stream poller consumed every record, the fraud queue is empty."""
    ok = o.stream_pending == 0 and o.fraud_queue_depth == 0
    return Check("stream iterator caught up, fraud queue empty", ok,
                 f"{o.stream_pending} stream records after the checkpoint, {o.fraud_queue_depth} messages queued")


def totals_agree(o: Observation) -> Check:
    """Per day: this run's accepted transactions are all stored and scored (in = scored), and the daily
    report counts what the table holds, scored and unscored alike (= reported). Other writers of a shared
    deployment may leave their own transactions unscored: the report must show them as such."""
    wrong = []
    for day, t in sorted(o.days.items()):
        if (t.scored_of_run != t.accepted_by_run or t.reported != t.stored
                or t.reported_unscored != t.stored - t.scored):
            wrong.append(f"{day}: accepted {t.accepted_by_run}, of them scored {t.scored_of_run}; table "
                         f"{t.stored} ({t.stored - t.scored} unscored), reported {t.reported} "
                         f"({t.reported_unscored} unscored)")
    accepted = sum(t.accepted_by_run for t in o.days.values())
    return _verdict("transactions in = scored = reported, per day", wrong,
                    f"{len(o.days)} days: the run's {accepted} accepted all scored; each day's report counts "
                    f"the table's {sum(t.stored for t in o.days.values())} transactions", "totals differ")


def faults_fired(o: Observation) -> Check:
    """Every planned fault was injected at least once (else the run proved less than it claims)."""
    missing = [name for name, count in o.faults_injected.items() if count == 0]
    return _verdict("every fault injected", missing,
                    ", ".join(f"{name} {count}x" for name, count in o.faults_injected.items()), "never injected")


CHECKS = (answers_as_promised, stored_exactly_once, refused_wrote_nothing, scored_exactly_once,
          merchant_counters_exact, alerted_once, dlq_empty, caught_up, totals_agree, faults_fired)


def check_all(observation: Observation) -> list[Check]:
    """Every invariant, in the order of the table."""
    return [check(observation) for check in CHECKS]


def accepted_new(requests: Sequence[PlannedRequest], statuses: Mapping[int, int]) -> list[PlannedRequest]:
    """The new transactions the API accepted (201)."""
    return [r for r in requests if r.kind == NEW and statuses.get(r.index) == 201]

"""How a soak run is shaped: volume, rate, clients, shares of each kind of request, fault windows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SoakSettings:
    """One soak run's settings (`make soak N=... RATE=...`)."""

    requests: int = 5000
    """POST requests in all (new transactions, replays, conflicts and bad inputs)."""
    rate: float = 20.0
    """Requests per second, all clients together (the schedule is fixed; a slow answer delays only its
    client's next request)."""
    clients: int = 4
    """Concurrent client threads."""
    duplicate_share: float = 0.05
    """Share of requests that replay an earlier transaction (same id, same body -> 200)."""
    conflict_share: float = 0.03
    """Share of requests reusing an earlier id with another body (-> 409)."""
    bad_share: float = 0.04
    """Share of requests the API must refuse (-> 4xx, nothing written)."""
    fault_seconds: float = 3.0
    """Each fault's window lasts at least this long, and stays open until the fault fired once (up to
    `fault_max_seconds`): a quiet moment of the pipeline must not make a fault miss its chance."""
    fault_max_seconds: float = 60.0
    settle_seconds: float = 120.0
    """After the load (and again after the redrive) the pipeline is waited for until it drained; the
    wait gives up only when nothing moved (no stream record consumed, no message, no alert) this long."""

    def __post_init__(self) -> None:
        if self.requests < 50:
            raise ValueError("a soak needs at least 50 requests (every kind of request and fault once)")
        if self.rate <= 0 or self.clients < 1:
            raise ValueError("rate must be positive and clients at least 1")
        shares = (self.duplicate_share, self.conflict_share, self.bad_share)
        if any(share < 0 for share in shares) or sum(shares) >= 0.5:
            raise ValueError("duplicate, conflict and bad shares must be >= 0 and together below one half")
        if not 0 < self.fault_seconds <= self.fault_max_seconds:
            raise ValueError("fault_seconds must be positive and at most fault_max_seconds")

    @property
    def planned_seconds(self) -> float:
        """How long sending takes at the fixed rate."""
        return self.requests / self.rate

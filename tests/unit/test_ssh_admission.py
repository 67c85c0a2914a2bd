"""Who waits for a session in ``serve-ssh``: connections that have not opened their terminal
yet are kept apart from the sessions, a few per address and a few in total, and a newcomer
always gets in. The rule on its own, with a clock the test moves (the end-to-end flood test
in tests/e2e/test_ssh.py drives the real server)."""

from __future__ import annotations

from dataclasses import dataclass, field

from etrakit_tui.ssh.server import (
    BURST_ALLOWANCE,
    DROPPED_ADDRESS,
    DROPPED_TOTAL,
    Service,
    ServiceOptions,
)


@dataclass(eq=False)
class Waiting:
    """A connection on its way to a session, as the pool sees it."""

    address: str
    started: float
    progress: int = 0
    dropped: list[str] = field(default_factory=list)

    def drop(self, how: str) -> None:
        self.dropped.append(how)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def service(clock: Clock, total: int = 6, per_address: int = 2) -> Service:
    options = ServiceOptions(
        "sqlite://", max_pre_session=total, max_pre_session_per_address=per_address
    )
    return Service(options, clock=clock)


def arrive(svc: Service, clock: Clock, address: str, progress: int = 0) -> Waiting:
    connection = Waiting(address, clock.now, progress)
    svc.arrive(connection)
    return connection


def test_an_address_past_its_share_loses_its_idle_connections_least_far_first() -> None:
    clock = Clock()
    svc = service(clock)
    greeted = arrive(svc, clock, "10.0.0.1", progress=1)
    silent = arrive(svc, clock, "10.0.0.1")
    clock.now += BURST_ALLOWANCE
    newcomer = arrive(svc, clock, "10.0.0.1")
    assert silent.dropped == [DROPPED_ADDRESS]
    assert not greeted.dropped and not newcomer.dropped
    assert list(svc.waiting) == [greeted, newcomer]


def test_a_burst_from_one_address_is_spared_until_the_pool_is_full() -> None:
    """Ten clients behind one NAT address connecting together all get in; only the whole
    pool's limit drops one of them, the oldest."""
    clock = Clock()
    svc = service(clock, total=6, per_address=2)
    burst = [arrive(svc, clock, "10.0.0.1") for _ in range(6)]
    assert not any(c.dropped for c in burst)
    seventh = arrive(svc, clock, "10.0.0.1")
    assert burst[0].dropped == [DROPPED_TOTAL]
    assert not any(c.dropped for c in [*burst[1:], seventh])


def test_a_full_pool_drops_idle_ones_before_a_client_in_its_handshake() -> None:
    clock = Clock()
    svc = service(clock, total=3, per_address=3)
    idle = [arrive(svc, clock, f"10.0.0.{n}") for n in (1, 2)]
    clock.now += BURST_ALLOWANCE
    real = arrive(svc, clock, "10.0.0.9", progress=2)  # key exchange done, asks to sign in
    arrive(svc, clock, "10.0.0.3")
    arrive(svc, clock, "10.0.0.4")
    assert [c.dropped for c in idle] == [[DROPPED_TOTAL], [DROPPED_TOTAL]]
    assert not real.dropped
    # among those still in their first moments, the one furthest on is kept longest
    later = arrive(svc, clock, "10.0.0.5")
    assert not real.dropped and not later.dropped
    assert len(svc.waiting) == 3


def test_leaving_the_pool_frees_the_place() -> None:
    clock = Clock()
    svc = service(clock, total=1, per_address=1)
    first = arrive(svc, clock, "10.0.0.1")
    assert svc.leave_waiting(first)
    assert not svc.leave_waiting(first)
    second = arrive(svc, clock, "10.0.0.2")
    assert not first.dropped and not second.dropped

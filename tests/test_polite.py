"""Politeness: requests in flight per host, spacing between starts, and a publisher's pause."""

from __future__ import annotations

import threading
import time

from addin.polite import Limits, Politeness
from addin.sources import REGISTRY


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_slot__spaces_request_starts_by_the_rate():
    fake = FakeTime()
    polite = Politeness(lambda host: Limits(in_flight=2, per_second=2.0), fake.clock, fake.sleep)
    for _ in range(3):
        with polite.slot("https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS5"):
            pass
    assert fake.slept == [0.5, 0.5]


def test_slot__hosts_do_not_wait_for_each_other():
    fake = FakeTime()
    polite = Politeness(lambda host: Limits(per_second=1.0), fake.clock, fake.sleep)
    with polite.slot("https://a.example/x"):
        pass
    with polite.slot("https://b.example/x"):
        pass
    assert fake.slept == []


def test_back_off__pushes_the_next_start_back():
    fake = FakeTime()
    polite = Politeness(lambda host: Limits(), fake.clock, fake.sleep)
    polite.back_off("https://fred.stlouisfed.org/x", 3.0)
    with polite.slot("https://fred.stlouisfed.org/y"):
        pass
    assert fake.slept == [3.0]


def test_slot__never_more_in_flight_than_allowed():
    polite = Politeness(lambda host: Limits(in_flight=4))
    busy, most, lock = [0], [0], threading.Lock()

    def request() -> None:
        with polite.slot("https://www.jpx.co.jp/file.xls"):
            with lock:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            time.sleep(0.02)
            with lock:
                busy[0] -= 1

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 4


def test_registry__publishers_declare_their_limits():
    assert REGISTRY.limits("fred.stlouisfed.org") == Limits(in_flight=2, per_second=2.0)
    assert REGISTRY.limits("www.stat-search.boj.or.jp").per_second == 1.0
    assert REGISTRY.limits("www.jpx.co.jp").in_flight == 4
    assert REGISTRY.limits("127.0.0.1") == Limits()

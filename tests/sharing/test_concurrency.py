"""The rate limit holds under concurrent requests (separate database connections, as in separate processes)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from jiuzhu.apps.sharing import services
from jiuzhu.apps.sharing.models import ShareQuery

HEAD = "360124198001010011"


@pytest.mark.django_db(transaction=True)
def test_concurrent_queries_never_exceed_the_limit(population: dict[str, Any], users: dict[str, Any],
                                                   settings: Any) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite is one connection")
    settings.JIUZHU_SHARING_QUERY_LIMITS = {"per_minute": 3, "per_day": 1000}
    user = users["department"]
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def ask() -> None:
        try:
            start.wait()
            try:
                services.low_income_query(actor=user, id_number=HEAD)
                result = "ok"
            except services.RateLimited:
                result = "limited"
            except Exception as err:  # a lock timeout would show up here
                result = f"error {err!r}"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["limited"] * 5 + ["ok"] * 3, outcomes
    assert ShareQuery.objects.filter(user=user).count() == 3

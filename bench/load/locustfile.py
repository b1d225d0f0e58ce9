"""Caseworkers using the platform (issue 16 §8): a Locust scenario, bounded, against 127.0.0.1 only.

    locust -f bench/load/locustfile.py --headless -u 50 -r 5 --run-time 3m --host http://127.0.0.1:8108 \
        --csv var/load/idle          # bench/load/run.py runs the whole measurement

Users (targets from bench/load/prepare.py, ``JIUZHU_LOAD_TARGETS``):
- county caseworkers (weight 9): log in; household list; search by full ID number; a household page;
  its determination sheet; the warnings workbench; an application's page — pausing 3–10 s between
  clicks (``JIUZHU_LOAD_WAIT=0`` for the saturation runs: no pauses);
- department data officers (weight 1): the exact-ID query (POST, rate-limited per account).
Requests are named by page, so the statistics are per page.  Bounds: the host must be 127.0.0.1 or
localhost, and the run stops itself after ``JIUZHU_LOAD_MAX_REQUESTS`` requests (default 20,000)
besides Locust's own ``--run-time``.  Tag ``household`` runs the household page alone (CPU per page).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from locust import HttpUser, between, constant, events, tag, task

TARGETS = json.loads(Path(os.environ.get("JIUZHU_LOAD_TARGETS", "var/load/targets.json")).read_text("utf-8"))
MAX_REQUESTS = int(os.environ.get("JIUZHU_LOAD_MAX_REQUESTS", "20000"))
WAIT = between(3, 10) if os.environ.get("JIUZHU_LOAD_WAIT", "1") != "0" else constant(0)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_lock = threading.Lock()
_ENV: dict[str, Any] = {}
_caseworkers = itertools.cycle([(county, user) for county, c in TARGETS["counties"].items() for user in c["users"]])
_departments = itertools.cycle(TARGETS["departments"])


@events.test_start.add_listener
def _only_loopback(environment: Any, **_: Any) -> None:
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"the load test targets only a server on 127.0.0.1, not {environment.host!r}")


@events.request.add_listener
def _bounded(**_: Any) -> None:
    env = _ENV.get("env")
    if env is not None and env.runner is not None and env.stats.total.num_requests >= MAX_REQUESTS:
        env.runner.quit()


@events.init.add_listener
def _keep_env(environment: Any, **_: Any) -> None:
    _ENV["env"] = environment


def _login(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="login page")
    token = CSRF.search(page.text)
    user.client.post("/accounts/login/", name="login",
                     data={"username": username, "password": TARGETS["password"],
                           "csrfmiddlewaretoken": token.group(1) if token else ""},
                     headers={"Referer": f"{user.host}/accounts/login/"})


class Caseworker(HttpUser):
    weight = 9
    wait_time = WAIT

    def on_start(self) -> None:
        with _lock:
            self.county, username = next(_caseworkers)
        self.t = TARGETS["counties"][self.county]
        _login(self, username)

    @tag("household")
    @task(4)
    def household_page(self) -> None:
        self.client.get(f"/households/{random.choice(self.t['households'])}/", name="household page")

    @task(2)
    def household_list(self) -> None:
        self.client.get(f"/households/?page={random.randint(1, 20)}", name="household list")

    @task(2)
    def search_by_id(self) -> None:
        self.client.get("/households/", params={"q": random.choice(self.t["ids"])}, name="search by ID")

    @task(2)
    def determination_sheet(self) -> None:
        self.client.get(f"/households/{random.choice(self.t['households'])}/determination/",
                        name="determination sheet")

    @task(2)
    def warnings_workbench(self) -> None:
        self.client.get("/monitoring/", name="warnings workbench")

    @task(1)
    def application_page(self) -> None:
        if self.t["applications"]:
            self.client.get(f"/applications/{random.choice(self.t['applications'])}/", name="application page")


class DepartmentOfficer(HttpUser):
    weight = 1
    wait_time = WAIT

    def on_start(self) -> None:
        with _lock:
            username = next(_departments)
        _login(self, username)

    @task
    def exact_id_query(self) -> None:
        page = self.client.get("/sharing/query/", name="exact-ID query (form)")
        token = CSRF.search(page.text)
        self.client.post("/sharing/query/", name="exact-ID query",
                         data={"id_number": random.choice(TARGETS["query_ids"]), "purpose": "压力测试：核对救助对象身份",
                               "csrfmiddlewaretoken": token.group(1) if token else ""},
                         headers={"Referer": f"{self.host}/sharing/query/"})

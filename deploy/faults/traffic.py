"""Editors and citizens against a running Qingdan, in background threads, for the fault scripts
and bench/load_mixed.py: every answer is tallied, and every write the server acknowledged is
remembered so that the end of a run can check that nothing acknowledged was lost.

An editor publishes new service items (create → submit → approve, with ETags) and edits
published ones; a citizen searches. A 503 must carry Retry-After; the editor then waits that
long and retries the same step, as a well-behaved client does.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

TERMS = (
    "护照",
    "身份证",
    "营业执照",
    "食品经营",
    "婚姻登记",
    "huzhao",
    "sfz",
    "网吧",
    "建设工程",
    "道路运输",
    "医师",
    "社保",
)
TIMEOUT = 30
_names = itertools.count(1)


@dataclass
class Tally:
    """Answers by (operation, status); 0 is "no answer" (refused connection or timeout)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    missing_retry_after: int = 0
    published: dict[int, str] = field(default_factory=dict)  # id → name, acknowledged by the server
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def record(
        self, operation: str, answer: requests.Response | None, seconds: float, error: str = ""
    ) -> None:
        code = 0 if answer is None else answer.status_code
        with self.lock:
            self.codes[(operation, code)] += 1
            self.latencies.setdefault(operation, []).append(seconds)
            if code == 503 and not answer.headers.get("Retry-After"):
                self.missing_retry_after += 1
            if (code >= 500 and code != 503) or code == 0:
                sent = time.strftime("%H:%M:%S", time.localtime(time.time() - seconds))
                self.failures.append(
                    f"{operation} sent {sent}, {seconds:.1f} s → {code} "
                    f"{error or (answer.text[:200] if answer is not None else '')}"
                )

    def count(self, predicate) -> int:
        with self.lock:
            return sum(n for key, n in self.codes.items() if predicate(*key))

    def summary(self) -> str:
        with self.lock:
            by_code = Counter()
            for (_operation, code), n in self.codes.items():
                by_code[code] += n
        return ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(by_code.items()))


class Traffic:
    """``editors`` writing and ``citizens`` searching until :meth:`stop`."""

    def __init__(
        self,
        base: str,
        token: str,
        department_id: int,
        *,
        verify: str | bool = True,
        editors: int = 2,
        citizens: int = 2,
        pause: float = 0.05,
    ) -> None:
        self.base, self.token, self.department_id, self.verify = (
            base.rstrip("/"),
            token,
            department_id,
            verify,
        )
        self.tally = Tally()
        self.pause = pause
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._editor, args=(n,), daemon=True) for n in range(editors)
        ]
        self._threads += [
            threading.Thread(target=self._citizen, args=(n,), daemon=True) for n in range(citizens)
        ]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(TIMEOUT * 4)

    # -- one request, retried after a 503 as its Retry-After says ---------------------------------

    def _call(
        self, http: requests.Session, operation: str, method: str, path: str, **kwargs
    ) -> requests.Response | None:
        for _attempt in range(30):
            started = time.monotonic()
            try:
                answer = http.request(
                    method, self.base + path, timeout=TIMEOUT, verify=self.verify, **kwargs
                )
            except requests.RequestException as error:
                self.tally.record(operation, None, time.monotonic() - started, str(error))
                return None
            self.tally.record(operation, answer, time.monotonic() - started)
            if answer.status_code != 503 or self._stop.is_set():
                return answer
            time.sleep(min(float(answer.headers.get("Retry-After") or 1), 5))
        return answer

    def _editor(self, number: int) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.token}"
        chance = random.Random(number)
        while not self._stop.is_set():
            if chance.random() < 0.8 or not self.tally.published:
                self._publish_new(http, number)
            else:
                self._edit_published(http, chance)
            time.sleep(self.pause)

    def _publish_new(self, http: requests.Session, number: int) -> None:
        name = f"故障演练事项{number}-{next(_names)}-{random.randrange(10**6)}"
        data = {
            "name": name,
            "item_type": "01",
            "department_id": self.department_id,
            "case_type": "2",
            "legal_time_limit": 20,
            "promised_time_limit": 5,
            "onsite_visits": 0,
            "service_objects": ["1"],
        }
        created = self._call(http, "create", "POST", "/api/v1/service-items", json=data)
        if created is None or created.status_code != 201:
            return
        row, etag = created.json()["id"], created.headers.get("ETag")
        for step in ("submit", "approve"):
            answer = self._call(
                http,
                step,
                "POST",
                f"/api/v1/service-items/{row}/{step}",
                json={},
                headers={"If-Match": etag},
            )
            if answer is None or answer.status_code != 200:
                return
            etag = answer.headers.get("ETag")
        with self.tally.lock:
            self.tally.published[row] = name

    def _edit_published(self, http: requests.Session, chance: random.Random) -> None:
        with self.tally.lock:
            row = chance.choice(list(self.tally.published))
        path = f"/api/v1/service-items/{row}"
        current = self._call(http, "read", "GET", path)
        if current is None or current.status_code != 200:
            return
        etag = current.headers.get("ETag")
        answer = self._call(
            http,
            "revise",
            "PATCH",
            path,
            json={"acceptance_conditions": f"演练修订{chance.randrange(10**6)}"},
            headers={"If-Match": etag},
        )
        if answer is not None and answer.status_code == 200:
            etag = answer.headers.get("ETag")
            for step in ("submit", "approve"):
                answer = self._call(
                    http, step, "POST", f"{path}/{step}", json={}, headers={"If-Match": etag}
                )
                if answer is None or answer.status_code != 200:
                    return
                etag = answer.headers.get("ETag")

    def _citizen(self, number: int) -> None:
        http = requests.Session()
        chance = random.Random(1000 + number)
        while not self._stop.is_set():
            self._call(http, "search", "GET", "/api/v1/search", params={"q": chance.choice(TERMS)})
            time.sleep(self.pause)


def lost_writes(
    base: str, token: str, published: dict[int, str], verify: str | bool = True
) -> list[int]:
    """Rows the server acknowledged as published that it no longer has as published."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    lost = []
    for row in published:
        answer = http.get(f"{base}/api/v1/service-items/{row}", timeout=TIMEOUT, verify=verify)
        if answer.status_code != 200 or answer.json().get("status") != "published":
            lost.append(row)
    return lost

"""Times each route against two running services (a small and a large company), interleaved,
and prints per route the median and p99 at both sizes, the growth and the statements it ran.

    scale.py SMALL_BASE SMALL_COOKIE SMALL_IDS LARGE_BASE LARGE_COOKIE LARGE_IDS

IDS is `name=value,...` (employee, departure, obligation, carrier, reminder). Environment:
SCALE_ROUNDS (requests per route and size, default 200), SCALE_CLIENTS (clients at once,
default 4), SCALE_GROWTH (largest median growth allowed, default 1.5), TUOMI_METRICS_TOKEN.
Exits 1 when a route's median grows more than allowed.
"""

import http.client
import os
import statistics
import sys
import threading
import time
import urllib.parse

ROUTES = [
    "/",
    "/employees",
    "/employees?q=%E7%8E%8B",
    "/employees/{employee}",
    "/departures",
    "/departures/{departure}",
    "/carriers",
    "/carriers/{carrier}",
    "/obligations",
    "/obligations/{obligation}",
    "/reminders",
    "/reminders/{reminder}",
    "/clearance-changes",
    # Not /filing: the page shows the whole register of classified people (tens of thousands
    # of rows at 100,000 employees); its JSON list below is timed instead.
    "/api/v1/employees",
    "/api/v1/employees?q=%E7%8E%8B",
    "/api/v1/employees/{employee}",
    "/api/v1/departures?status=in_progress",
    "/api/v1/departures/{departure}",
    "/api/v1/carriers",
    "/api/v1/carriers/{carrier}",
    "/api/v1/obligations",
    "/api/v1/obligations/{obligation}",
    "/api/v1/reminders",
    "/api/v1/reminders/{reminder}",
    "/api/v1/pledges/missing",
    "/api/v1/reminders/forecast",
    "/api/v1/entry-exit-filing",
]


class Service:
    def __init__(self, base, cookie, ids):
        self.base = urllib.parse.urlparse(base)
        self.cookie = cookie
        self.ids = dict(kv.split("=", 1) for kv in ids.split(",") if "=" in kv)

    def path(self, route):
        try:
            return route.format(**self.ids)
        except KeyError:
            return None

    def connect(self):
        return http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=120)

    def get(self, conn, path, headers=None):
        # The service closes a keep-alive connection left idle a few seconds (while this
        # client waited on the other size): open it again and ask once more.
        for attempt in (1, 2):
            try:
                conn.request("GET", path, headers=headers or {"Cookie": self.cookie})
                r = conn.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                conn.close()
                if attempt == 2:
                    raise

    def statements(self, conn, path):
        token = os.environ.get("TUOMI_METRICS_TOKEN", "")

        def count():
            _, body = self.get(conn, "/metrics", {"Authorization": f"Bearer {token}"})
            for line in body.decode().splitlines():
                if line.startswith("tuomi_sql_statements_total "):
                    return int(line.split()[1])
            return 0

        before = count()
        self.get(conn, path)
        return count() - before


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    small = Service(*sys.argv[1:4])
    large = Service(*sys.argv[4:7])
    rounds = int(os.environ.get("SCALE_ROUNDS", "200"))
    clients = int(os.environ.get("SCALE_CLIENTS", "4"))
    allowed = float(os.environ.get("SCALE_GROWTH", "1.5"))
    routes = [r for r in ROUTES if small.path(r) and large.path(r)]
    times = {(r, size): [] for r in routes for size in ("small", "large")}
    lock = threading.Lock()
    statuses = {}

    # Statements and a warm-up, one client.
    counts = {}
    for size, svc in (("small", small), ("large", large)):
        conn = svc.connect()
        for r in routes:
            for _ in range(3):
                start = time.perf_counter()
                status, _ = svc.get(conn, svc.path(r))
                took = time.perf_counter() - start
                if took > 1:
                    print(f"{size} {r}: {took:.1f} s", file=sys.stderr)
                statuses[(r, size)] = status
            counts[(r, size)] = svc.statements(conn, svc.path(r))

    def client():
        conns = {"small": small.connect(), "large": large.connect()}
        for _ in range(rounds // clients):
            for r in routes:
                for size, svc in (("small", small), ("large", large)):
                    start = time.perf_counter()
                    svc.get(conns[size], svc.path(r))
                    took = (time.perf_counter() - start) * 1000
                    with lock:
                        times[(r, size)].append(took)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    print(
        f"| route | median small (ms) | median large (ms) | growth | p99 small | p99 large "
        f"| statements small / large |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    failed = []
    for r in routes:
        a, b = times[(r, "small")], times[(r, "large")]
        ma, mb = statistics.median(a), statistics.median(b)
        growth = mb / ma if ma else 0
        flag = " **over**" if growth > allowed else ""
        bad = [s for s in (statuses[(r, "small")], statuses[(r, "large")]) if s != 200]
        note = f" (status {bad[0]})" if bad else ""
        print(
            f"| `{r}`{note} | {ma:.1f} | {mb:.1f} | {growth:.2f}x{flag} | {p(a, 0.99):.1f} "
            f"| {p(b, 0.99):.1f} | {counts[(r, 'small')]} / {counts[(r, 'large')]} |"
        )
        if growth > allowed:
            failed.append(r)
    if failed:
        print(f"\ngrowth over {allowed}x: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


main()

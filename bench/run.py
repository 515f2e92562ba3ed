"""Benchmark: fill a fresh database with N cases, then time the pages that must stay fast.

    .venv/bin/python bench/run.py --cases 100000                  # SQLite (var/bench.sqlite3)
    .venv/bin/python bench/run.py --cases 100000 --postgresql     # PostgreSQL krm_bench

Prints median and p95 times and the SQL query count per request for: worklist, filtered
worklist, search, case page, Meine Aufgaben, API list, API detail, API tasks and create.
The generated cases have realistic histories (steps, events and tasks along their routes).
Figures only: it never fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KRM = Path(sys.executable).parent / "krm"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def prepare(url: str, cases: int) -> float:
    env = {**os.environ, "KRM_DATABASE_URL": url, "KRM_DEBUG": "1"}
    subprocess.run([str(KRM), "migrate", "-v0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([str(KRM), "generate-cases", str(cases)], env=env, check=True)
    return time.perf_counter() - started


def fresh_database(postgresql: bool) -> str:
    if postgresql:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS krm_bench")
            conn.execute("CREATE DATABASE krm_bench")
        return f"{PG_SERVER}/krm_bench"
    path = ROOT / "var" / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def measure(name: str, action, repeat: int) -> tuple[str, float, float, int]:
    """Median and p95 of `repeat` plain runs (no query logging: Django's debug cursor would
    add its own cost), then the query count of one more run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()  # warm up caches and connections
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        action()
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return name, statistics.median(times), p95, len(ctx.captured_queries)


def run_benchmarks(repeat: int) -> list[tuple[str, float, float, int]]:
    import django

    django.setup()
    from django.test import Client

    from krm.accounts.models import User
    from krm.api.models import ApiToken
    from krm.cases import services
    from krm.cases.models import Case

    krmb = User.objects.get(username="krmb")
    client = Client()
    client.force_login(krmb)
    lead = Client()
    lead.force_login(User.objects.get(username="bl"))
    team_lead = Client()
    team_lead.force_login(User.objects.get(username="tl"))
    gf = Client()
    gf.force_login(User.objects.get(username="gf"))
    _token, key = ApiToken.issue(krmb)
    api = {"HTTP_AUTHORIZATION": f"Token {key}"}
    ids = list(Case.objects.values_list("pk", flat=True).order_by("?")[: repeat * 2])
    # Cases in the middle of their route, with the history that brought them there.
    handled = list(
        Case.objects.filter(status="in_bearbeitung").values_list("pk", flat=True)[: repeat * 2]
    )
    rng = random.Random(1)
    # Three documents on each sampled case (the same small PDF: one stored file).
    from weasyprint import HTML

    from krm.documents import services as documents
    from krm.documents.models import Document, Origin

    pdf = HTML(string="<p>Schreiben der Kundin</p>").write_pdf()
    for case in Case.objects.filter(pk__in=ids).exclude(pk__in=Document.objects.values("case_id")):
        for title in ("Eingang", "Eingangsbestätigung", "Vermerk"):
            documents.add(
                case,
                actor=krmb,
                data=pdf,
                filename=f"{title}.pdf",
                content_type="application/pdf",
                kind="eingang",
                title=title,
                origin=Origin.UPLOADED,
            )
    year = Case.objects.order_by("-received_on").values_list("received_on", flat=True)[0].year

    def get(url: str, **extra: str) -> None:
        response = client.get(url, **extra)
        assert response.status_code == 200, (url, response.status_code)

    def team_lead_get(url: str) -> None:
        response = team_lead.get(url)
        assert response.status_code == 200, (url, response.status_code)

    def create() -> None:
        services.register_case(
            actor=krmb,
            kind="beschwerde",
            channel="email",
            subject="Benchmark: Wartezeit am Telefon",
            text="Ich warte seit Wochen auf einen Rückruf.",
            customer={"name": "Bench Mark"},
        )

    return [
        measure("worklist (open, KRM-B)", lambda: get("/faelle/"), repeat),
        measure("worklist page 40", lambda: get("/faelle/?page=40"), repeat),
        measure("worklist BL (Bereich 71)", lambda: lead.get("/faelle/"), repeat),
        measure("all cases, page 400", lambda: get("/faelle/?status=&page=400"), repeat),
        measure(
            "worklist all + filters",
            lambda: get(
                "/faelle/?status=&kind=beschwerde&channel=email&deadline_state=ueberfaellig"
            ),
            repeat,
        ),
        measure("search 'Wartezeit'", lambda: get("/faelle/?q=Wartezeit&status="), repeat),
        measure(
            "search 'Heizkosten Nachzahlung'",
            lambda: get("/faelle/?q=Heizkostenabrechnung+Nachzahlung&status="),
            repeat,
        ),
        measure("case page", lambda: get(f"/faelle/{rng.choice(ids)}/"), repeat),
        measure(
            "case page, in Bearbeitung", lambda: get(f"/faelle/{rng.choice(handled)}/"), repeat
        ),
        measure("Meine Aufgaben KRM-B", lambda: get("/faelle/aufgaben/"), repeat),
        measure("Meine Aufgaben KRM-B p. 20", lambda: get("/faelle/aufgaben/?page=20"), repeat),
        measure("Meine Aufgaben GF", lambda: gf.get("/faelle/aufgaben/"), repeat),
        measure("Meine Aufgaben BL 71", lambda: lead.get("/faelle/aufgaben/"), repeat),
        measure("Meine Aufgaben TL", lambda: team_lead.get("/faelle/aufgaben/"), repeat),
        measure("worklist 'wartet auf mich'", lambda: get("/faelle/?waiting_for_me=on"), repeat),
        measure("API tasks", lambda: get("/api/v1/tasks", **api), repeat),
        measure("API list", lambda: get("/api/v1/cases", **api), repeat),
        measure("API list org_unit=71", lambda: get("/api/v1/cases?org_unit=71", **api), repeat),
        measure("API detail", lambda: get(f"/api/v1/cases/{rng.choice(ids)}", **api), repeat),
        measure(
            "API documents",
            lambda: get(f"/api/v1/cases/{rng.choice(ids)}/documents", **api),
            repeat,
        ),
        measure("Ablage II-6001, year", lambda: get(f"/ablage/?plan=II-6001&jahr={year}"), repeat),
        measure(
            "Ablage p. 40",
            lambda: get(f"/ablage/?plan=II-6001&jahr={year}&page=40"),
            repeat,
        ),
        measure(
            "Ablage TL",
            lambda: team_lead_get(f"/ablage/?plan=II-6001&jahr={year}"),
            repeat,
        ),
        measure("Ablage folder", lambda: get(f"/ablage/faelle/{rng.choice(ids)}/"), repeat),
        measure("create (service)", create, repeat),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the filled database")
    args = parser.parse_args()

    if args.reuse:
        url = (
            f"{PG_SERVER}/krm_bench"
            if args.postgresql
            else f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
        )
        fill = 0.0
    else:
        url = fresh_database(args.postgresql)
        fill = prepare(url, args.cases)
    os.environ["KRM_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "krm.settings")
    os.environ["KRM_DEBUG"] = "1"
    results = run_benchmarks(args.repeat)

    from krm.cases.models import Case

    engine = "PostgreSQL" if args.postgresql else "SQLite"
    print(
        f"\n{engine}, {Case.objects.count():,} cases"
        + (f"; generate-cases {args.cases:,}: {fill:.1f} s" if fill else "")
    )
    print(f"{'request':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, median, p95, queries in results:
        print(f"{name:<34}{median:>10.1f}{p95:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()

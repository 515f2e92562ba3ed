"""Benchmark: mail in and mail out at volume, against real servers on loopback.

    .venv/bin/python bench/mail.py                  # SQLite (var/bench-mail.sqlite3)
    .venv/bin/python bench/mail.py --postgresql     # PostgreSQL krm_bench_mail
    make bench-mail                                 # the first of the two

On a fresh, migrated database with the demo organisation (Jobcenter, Bereiche, Teams, users
with their roles, KRM-B included), krm running as in production (KRM_DEBUG=0):

(a) import: 1,000 complaints by mail (German text, some with HTML, every 50th with a PDF of
    about 20 KB), appended to a real Dovecot first (not timed), then read by
    `krm.mailbox.imap.poll` (500 a run) until the folder is empty: each a new case in the
    Posteingang with its original and attachments as documents, moved to the processed folder;
(b) outbox: 1,000 notifications queued by `krm.mail.services.queue` (timed apart), then sent
    by `krm.mail.services.send_due` (200 a batch, one SMTP connection each) until none is due,
    to an aiosmtpd server (krm.testing.mailservers.SmtpServer) in a process of its own.

Prints wall time, mails per second and the CPU time of krm's process. Figures only: it never
fails on a timing (it fails if a mail is lost or doubled). `--profile` adds cProfile's top
functions of each phase (the whole profiles in var/bench-mail-*.prof).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KRM = Path(sys.executable).parent / "krm"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DOCUMENTS = ROOT / "var" / "bench-mail-documents"

# The SMTP server in a process of its own (as a relay would be): prints its port, then on
# each "count" line the number of messages and of distinct Message-IDs received.
SMTP_SERVER = """
import sys
from krm.testing.mailservers import SmtpServer

server = SmtpServer().start()
print(server.port, flush=True)
for line in sys.stdin:
    ids = [str(m["Message-ID"]) for m in server.messages]
    print(len(ids), len(set(ids)), flush=True)
server.stop()
"""

FIRST_NAMES = [
    "Maria", "Jürgen", "Ayşe", "Thomas", "Sabine", "Mehmet", "Katarzyna", "Uwe", "Anja",
    "Oleksandr", "Petra", "Stefan", "Fatma", "Heike", "Dirk", "Jana", "Günter", "Svetlana",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Yılmaz", "Schneider", "Fischer", "Weber", "Nowak", "Wagner",
    "Becker", "Schulz", "Hoffmann", "Kovalenko", "Schäfer", "Koch", "Richter", "Öztürk",
]  # fmt: skip
TOPICS = [
    ("Weiterbewilligungsantrag seit Wochen nicht bearbeitet",
     "ich habe am {date} meinen Weiterbewilligungsantrag persönlich abgegeben und seitdem "
     "nichts mehr gehört. Meine Miete für den nächsten Monat kann ich so nicht bezahlen."),
    ("Beschwerde über die telefonische Erreichbarkeit",
     "seit dem {date} versuche ich täglich, meine Sachbearbeitung telefonisch zu erreichen. "
     "Ich lande jedes Mal in der Warteschleife und werde nach 20 Minuten getrennt."),
    ("Bescheid falsch berechnet – Kosten der Unterkunft",
     "in meinem Bescheid vom {date} sind die Heizkosten nicht berücksichtigt. Die "
     "Nebenkostenabrechnung meines Vermieters habe ich bereits zweimal eingereicht."),
    ("Termin kurzfristig abgesagt",
     "mein Termin am {date} wurde eine Stunde vorher abgesagt, obwohl ich extra Urlaub "
     "genommen hatte. Einen neuen Termin hat mir niemand angeboten."),
    ("Unfreundliche Behandlung am Empfang",
     "am {date} wurde ich am Empfang in einem sehr unfreundlichen Ton abgewiesen, als ich "
     "meine Unterlagen abgeben wollte. Ich bitte um eine Stellungnahme."),
    ("Leistungen für Bildung und Teilhabe nicht ausgezahlt",
     "der Antrag auf Übernahme der Kosten für die Klassenfahrt meiner Tochter vom {date} "
     "ist noch immer nicht entschieden. Die Schule verlangt das Geld bis Monatsende."),
    ("Zahlung ausgeblieben",
     "zum {date} ist keine Zahlung auf meinem Konto eingegangen. Ich habe keine Nachricht "
     "erhalten, warum die Leistungen eingestellt wurden."),
    ("Unterlagen verloren gegangen",
     "ich habe meine Kontoauszüge und den Mietvertrag am {date} in den Hausbriefkasten "
     "geworfen. Nun heißt es, die Unterlagen seien nie angekommen."),
]  # fmt: skip
CLOSINGS = ["Mit freundlichen Grüßen", "Freundliche Grüße", "Hochachtungsvoll", "Viele Grüße"]


def pdf_bytes(rng: random.Random, name: str, number: str) -> bytes:
    """A valid one-page PDF (pikepdf) of about 20 KB: a letter with a page of text."""
    import pikepdf

    lines = [f"Bescheid für {name}, Bedarfsgemeinschaft {number}"]
    for n in range(320):
        amount = rng.randint(10, 900)
        lines.append(f"Position {n + 1}: Regelbedarf und Unterkunft, Betrag {amount},00 EUR")
    ops = ["BT", "/F1 6 Tf", "30 820 Td", "7 TL"]
    for line in lines:
        text = line.encode("latin-1", "replace").replace(b"\\", b"\\\\")
        text = text.replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(f"({text.decode('latin-1')}) '")
    ops.append("ET")
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        )
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, 595, 842],
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                Contents=pdf.make_stream("\n".join(ops).encode("latin-1")),
            )
        )
        pdf.pages.append(page)
        pdf.save(out, compress_streams=False)
    return out.getvalue()


def complaint(rng: random.Random, n: int) -> bytes:
    """A mail as a customer writes it; every 50th with a PDF, every other with HTML."""
    import datetime as dt

    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    subject, text = rng.choice(TOPICS)
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=rng.randint(3, 40))
    number = f"{rng.randint(100, 999)}D{rng.randint(100000, 999999)}"
    paragraphs = [
        f"Sehr geehrte Damen und Herren,\n\n{text.format(date=day.strftime('%d.%m.%Y'))}",
        f"Meine Nummer der Bedarfsgemeinschaft ist {number}. Ich bitte dringend um Rückruf "
        f"unter 030 {rng.randint(1000000, 9999999)} oder eine Antwort per E-Mail.",
        "Sollte ich bis Ende der Woche nichts hören, wende ich mich an die Ombudsstelle.",
        f"{rng.choice(CLOSINGS)}\n{name}",
    ]
    body = "\n\n".join(paragraphs[: 2 + rng.randint(0, 1)] + paragraphs[3:]) + "\n"
    message = EmailMessage()
    message["From"] = f"{name} <{first.lower()}.{n}@example.net>"
    message["To"] = "krm@jobcenter-pankow.example"
    message["Subject"] = subject if rng.random() < 0.8 else f"WG: {subject}"
    message["Date"] = format_datetime(
        dt.datetime.now(dt.UTC) - dt.timedelta(minutes=rng.randint(1, 600))
    )
    message["Message-ID"] = make_msgid(domain="example.net")
    message.set_content(body)
    if n % 2:
        html = "".join(f"<p>{p}</p>" for p in body.split("\n\n")).replace("\n", "<br>")
        message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    if n % 50 == 0:
        message.add_attachment(
            pdf_bytes(rng, name, number),
            maintype="application",
            subtype="pdf",
            filename=f"Bescheid_{number}.pdf",
        )
    return message.as_bytes()


def fresh_database(postgresql: bool) -> str:
    if postgresql:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS krm_bench_mail")
            conn.execute("CREATE DATABASE krm_bench_mail")
        return f"{PG_SERVER}/krm_bench_mail"
    path = ROOT / "var" / "bench-mail.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def timed(action: Callable[[], Any], profile: bool, label: str) -> tuple[float, float, Any]:
    """Wall time and this process's CPU time (krm's own work, without the servers' and the
    database server's; steadier than wall time on a busy machine) of `action`."""
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = action()
    if profiler is not None:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        dump = ROOT / "var" / f"bench-mail-{label}.prof"
        profiler.dump_stats(dump)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"\n--- profile: {label} (all of it: {dump.relative_to(ROOT)}) ---\n{out.getvalue()}")
    return elapsed, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--mails", type=int, default=1000, help="mails read (a)")
    parser.add_argument("--notifications", type=int, default=1000, help="mails sent (b)")
    parser.add_argument("--profile", action="store_true", help="cProfile each phase")
    args = parser.parse_args()

    from krm.testing.mailservers import Dovecot

    url = fresh_database(args.postgresql)
    shutil.rmtree(DOCUMENTS, ignore_errors=True)
    smtp = subprocess.Popen(
        [sys.executable, "-c", SMTP_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert smtp.stdin is not None and smtp.stdout is not None
    smtp_port = int(smtp.stdout.readline())
    dovecot = Dovecot().start()
    try:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "krm.settings",
                "KRM_DATABASE_URL": url,
                # As in production: no debug cursor, no development shortcuts.
                "KRM_DEBUG": "0",
                "KRM_SECRET_KEY": secrets.token_urlsafe(50),
                "KRM_AUDIT_KEY": secrets.token_urlsafe(50),
                "KRM_ALLOWED_HOSTS": "localhost",
                "KRM_ALLOW_SQLITE": "1",
                "KRM_DOCUMENT_ROOT": str(DOCUMENTS),
                "KRM_IMAP_CA_FILE": dovecot.ca_file,
                "KRM_SMTP_HOST": "127.0.0.1",
                "KRM_SMTP_PORT": str(smtp_port),
                "KRM_SMTP_SECURITY": "none",
                "KRM_LOG_LEVEL": "WARNING",
            }
        )
        subprocess.run([str(KRM), "migrate", "-v0"], check=True)
        rows = run(args, dovecot, smtp)
    finally:
        dovecot.stop()
        smtp.stdin.close()
        smtp.wait(10)
    database = "PostgreSQL" if args.postgresql else "SQLite"
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\nkrm mail benchmark ({database}, {os.cpu_count()} CPUs, load average {load})")
    print(f"{'':36} {'mails':>6} {'wall s':>7} {'mails/s':>8} {'CPU s':>7}")
    for label, count, seconds, cpu in rows:
        print(f"{label:36} {count:6d} {seconds:7.1f} {count / seconds:8.0f} {cpu:7.1f}")


def run(args: argparse.Namespace, dovecot: Any, smtp: subprocess.Popen[str]) -> list[Any]:
    import django

    django.setup()
    from krm.accounts.models import User
    from krm.cases.models import Case
    from krm.demo.organisation import build_demo_organisation
    from krm.documents.models import Document
    from krm.mail import services
    from krm.mail.models import MailState, OutboundMail
    from krm.mailbox import imap
    from krm.mailbox.models import InboundMail, Mailbox, Security

    def received() -> tuple[int, int]:
        assert smtp.stdin is not None and smtp.stdout is not None
        smtp.stdin.write("count\n")
        smtp.stdin.flush()
        total, distinct = smtp.stdout.readline().split()
        return int(total), int(distinct)

    jobcenter = build_demo_organisation(demo_passwords=False)
    box = dovecot.new_mailbox()
    mailbox = Mailbox.objects.create(
        jobcenter=jobcenter,
        name="KRM-Postfach",
        host=box.host,
        port=box.port,
        security=Security.SSL,
        username=box.user,
        password=box.password,
    )
    rng = random.Random(2026)
    mails = [complaint(rng, n) for n in range(args.mails)]
    started = time.perf_counter()
    with box.connect() as conn:  # one connection for the APPENDs
        for raw in mails:
            typ, data = conn.append('"INBOX"', None, None, raw)
            assert typ == "OK", data
    print(
        f"{len(mails)} mails ({sum(map(len, mails)) / 1e6:.1f} MB) appended to Dovecot in "
        f"{time.perf_counter() - started:.1f} s (not timed)"
    )

    def read_all() -> list[int]:
        runs = []
        while True:
            results = imap.poll(mailbox).results
            if not results:
                return runs
            runs.append(len(results))

    seconds, cpu, runs = timed(read_all, args.profile, "import")
    cases, inbound = Case.objects.count(), InboundMail.objects.count()
    assert cases == inbound == args.mails, (cases, inbound)
    assert box.count("INBOX") == 0 and box.count("krm-verarbeitet") == args.mails
    print(
        f"import: {len(runs)} polls {runs}, {cases} cases, {Document.objects.count()} "
        f"documents, {OutboundMail.objects.count()} notifications queued by the import"
    )
    rows = [(f"(a) import from IMAP ({len(runs)} polls)", args.mails, seconds, cpu)]

    # The import's own notifications first (not timed), then the 1,000.
    while services.send_due() != (0, 0):
        pass
    before, _ = received()
    emails = list(
        User.objects.filter(jobcenter=jobcenter, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )

    def queue_all() -> None:
        for n in range(args.notifications):
            services.queue(
                jobcenter=jobcenter,
                key=f"bench:{n}",
                to=[emails[n % len(emails)]],
                subject=f"[II-6001-2026-{n + 1:05d}] Neue Aufgabe: Stellungnahme bis Freitag",
                body=(
                    "Guten Tag,\n\nSie haben eine neue Aufgabe im Kundenreaktionsmanagement: "
                    "Stellungnahme zur Beschwerde.\n\nZum Fall: "
                    f"{services.link(f'/faelle/{n + 1}/')}\n\nDiese Nachricht wurde "
                    "automatisch erstellt.\n"
                ),
            )

    seconds, cpu, _ = timed(queue_all, args.profile, "queue")
    rows.append(("(b) queue notifications", args.notifications, seconds, cpu))

    def send_all() -> list[tuple[int, int]]:
        batches = []
        while (batch := services.send_due()) != (0, 0):
            batches.append(batch)
        return batches

    seconds, cpu, batches = timed(send_all, args.profile, "send")
    total, distinct = received()
    sent = OutboundMail.objects.filter(key__startswith="bench:", state=MailState.SENT).count()
    assert sent == args.notifications, sent
    assert total - before == distinct - before == args.notifications, (total, distinct, before)
    print(f"outbox: {len(batches)} batches {batches}, {total - before} received, none twice")
    rows.append((f"(b) send over SMTP ({len(batches)} batches)", args.notifications, seconds, cpu))
    return rows


if __name__ == "__main__":
    main()

"""The daily digest (each Berlin working day): to each person, their open tasks that are
overdue or due by the next working day, and the notifications they chose to receive this
way; the KRM-B gets the whole Jobcenter's list."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from krm.accounts.models import User
from krm.cases.models import Task
from krm.jobcenters.models import Jobcenter

from . import services
from .models import MailKind, PendingNotification
from .notifications import _never, holders, krmbs, stand_ins

MAX_LINES = 200  # per section; the rest is counted


def _section(title: str, lines: Sequence[str]) -> list[str]:
    if not lines:
        return []
    shown = list(lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        shown.append(f"… und {len(lines) - MAX_LINES} weitere (siehe „Meine Aufgaben“)")
    return [title, "", *[f"- {line}" for line in shown], ""]


def send_digests(today: dt.date) -> int:
    """Queue the day's digests; how many. Run twice on a day, it queues nothing new."""
    return sum(_for_jobcenter(jobcenter, today) for jobcenter in Jobcenter.objects.order_by("pk"))


def _for_jobcenter(jobcenter: Jobcenter, today: dt.date) -> int:
    calendar = jobcenter.workday_calendar()
    if not calendar.is_workday(today):
        return 0
    until = calendar.add_workdays(today, 1)
    overdue: dict[int, list[str]] = defaultdict(list)
    soon: dict[int, list[str]] = defaultdict(list)
    people: dict[int, User] = {}
    cache: dict[tuple, list[User]] = {}
    all_overdue: list[tuple[str, set[int]]] = []
    all_soon: list[tuple[str, set[int]]] = []
    tasks = (
        Task.objects.open()
        .filter(jobcenter=jobcenter, kind=Task.Kind.AKTION, due__lte=until)
        .select_related("case", "case__jobcenter", "assignee")
        .order_by("due", "pk")
    )
    for task in tasks.iterator(chunk_size=500):
        key = (task.assignee_id, task.role, task.unit_id)
        if key not in cache:
            cache[key] = holders(task, today)
        line = f"{task.case.aktenzeichen}: {task.label} (bei {task.who}, Frist {task.due:%d.%m.%Y})"
        late = task.due < today
        never = _never(task.case)
        (all_overdue if late else all_soon).append((line, never))
        for person in cache[key]:
            if person.pk in never:
                continue
            people[person.pk] = person
            (overdue if late else soon)[person.pk].append(line)
    for person in stand_ins(krmbs(jobcenter.pk), jobcenter.pk, today):
        # The whole list, but never a DAB about the reader (R-K7).
        people[person.pk] = person
        overdue[person.pk] = [line for line, never in all_overdue if person.pk not in never]
        soon[person.pk] = [line for line, never in all_soon if person.pk not in never]
    pending: dict[int, list[PendingNotification]] = defaultdict(list)
    for note in (
        PendingNotification.objects.filter(user__jobcenter=jobcenter)
        .select_related("user")
        .order_by("created_at", "pk")
    ):
        pending[note.user_id].append(note)
        people.setdefault(note.user_id, note.user)
    queued = 0
    settings_url = services.link(reverse("mail:settings"))
    tasks_url = services.link(reverse("cases:tasks"))
    for pk, person in people.items():
        notes = pending.get(pk, [])
        if not person.email or not person.is_active:
            continue
        text = [
            "Guten Tag,",
            "",
            f"Ihre Übersicht für {today:%d.%m.%Y}:",
            "",
            *_section("Überfällig:", overdue.get(pk, [])),
            *_section(f"Fällig bis {until:%d.%m.%Y}:", soon.get(pk, [])),
            *_section("Neu seit der letzten Übersicht:", [n.line for n in notes]),
        ]
        if len(text) == 4:
            continue  # nothing to say
        text += [
            f"Meine Aufgaben: {tasks_url}",
            "",
            "-- ",
            f"krm, Kundenreaktionsmanagement {jobcenter.name}. Einstellungen: {settings_url}",
        ]
        with transaction.atomic():
            mail = services.queue(
                jobcenter=jobcenter,
                key=f"digest:{pk}:{today.isoformat()}",
                to=[person.email],
                subject=f"krm: Ihre Übersicht für {today:%d.%m.%Y}",
                body="\n".join(text) + "\n",
                kind=MailKind.DIGEST,
            )
            if mail is not None:
                PendingNotification.objects.filter(pk__in=[n.pk for n in notes]).delete()
                queued += 1
    return queued

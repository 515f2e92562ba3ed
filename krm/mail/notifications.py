"""Who is told what by mail (R-W2.2, W2.5, W3.2): every new task reaches its holder, or the
deputy of a holder who is absent; the copies of the same step ("zur Kenntnis", the LGF for
an Abverfügung into one of the LGF's Bereiche) go in Cc of the same mail. Each person
chooses per kind: at once, or in the daily digest. Mails to staff name the Aktenzeichen,
the case's subject, the task and a link: never the customer's data."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone

from krm.accounts.models import Absence, RoleAssignment, User
from krm.accounts.roles import NO_CASE_ACCESS_ROLES, UNIT_ROLES, Role
from krm.cases.kinds import Kind
from krm.cases.models import Case, Task
from krm.cases.states import Status

from . import services
from .models import Delivery, NotificationKind, NotificationSetting, PendingNotification

logger = logging.getLogger("krm.mail")


# --- who -----------------------------------------------------------------------------


def holders(task: Task, today: dt.date | None = None) -> list[User]:
    """The people a task reaches today: its person, or everyone holding its role (in its
    unit); for each one absent today, their deputy instead (R-O-4)."""
    if task.assignee_id is not None:
        people = [task.assignee]
    else:
        assignments = RoleAssignment.objects.filter(
            role=task.role, user__jobcenter_id=task.jobcenter_id, user__is_active=True
        )
        if task.role in UNIT_ROLES and task.unit_id is not None:
            assignments = assignments.filter(org_unit_id=task.unit_id)
        people = [a.user for a in assignments.select_related("user").order_by("user_id")]
    return stand_ins(people, task.jobcenter_id, today or timezone.localdate())


def stand_ins(people: Sequence[User], jobcenter_id: int, today: dt.date) -> list[User]:
    """`people` with each one absent today replaced by their deputy: the named one, else,
    for the KRM-B, whoever holds the Vertretung."""
    if not people:
        return []
    absences = {
        a.user_id: a
        for a in Absence.objects.filter(
            user_id__in=[p.pk for p in people], start__lte=today, end__gte=today
        ).select_related("deputy")
    }
    result: list[User] = []
    for person in people:
        absence = absences.get(person.pk)
        if absence is None:
            result.append(person)
        elif absence.deputy_id is not None and absence.deputy.is_active:
            result.append(absence.deputy)
        elif RoleAssignment.objects.filter(user=person, role=Role.KRMB).exists():
            result += [
                a.user
                for a in RoleAssignment.objects.filter(
                    role=Role.VERTRETUNG, user__jobcenter_id=jobcenter_id, user__is_active=True
                ).select_related("user")
            ]
    return list(dict.fromkeys(result))


def _never(case: Case) -> set[int]:
    """Who must not be told about the case: the person a DAB is about (R-K7), and
    accounts without case access."""
    excluded: set[int] = set()
    if case.kind == Kind.DIENSTAUFSICHTSBESCHWERDE and case.staff_concerned_id:
        excluded.add(case.staff_concerned_id)
    return excluded


def _without_case_access(users: Iterable[User]) -> set[int]:
    ids = [u.pk for u in users]
    return set(
        RoleAssignment.objects.filter(user_id__in=ids, role__in=NO_CASE_ACCESS_ROLES)
        .exclude(
            user_id__in=RoleAssignment.objects.filter(user_id__in=ids)
            .exclude(role__in=NO_CASE_ACCESS_ROLES)
            .values("user_id")
        )
        .values_list("user_id", flat=True)
    )


def krmbs(jobcenter_id: int) -> list[User]:
    """The active KRM-Beauftragte of a Jobcenter (before deputies stand in)."""
    return [
        a.user
        for a in RoleAssignment.objects.filter(
            role=Role.KRMB, user__jobcenter_id=jobcenter_id, user__is_active=True
        ).select_related("user")
    ]


def split_by_delivery(
    people: Iterable[User], kind: str, pending: Callable[[User], list[PendingNotification]]
) -> list[User]:
    """Who wants `kind` at once (and has an address): returned; who wants it in the digest:
    their `pending(user)` lines stored for it."""
    people = list(people)
    choice = deliveries(people, kind)
    at_once: list[User] = []
    later: list[PendingNotification] = []
    for user in people:
        if choice[user.pk] == Delivery.DIGEST:
            later += pending(user)
        elif user.email:
            at_once.append(user)
        else:
            logger.warning("User %s has no e-mail address: not notified", user.pk)
    PendingNotification.objects.bulk_create(later)
    return at_once


def deliveries(users: Iterable[User], kind: str) -> dict[int, str]:
    """Each user's choice for `kind` (default: at once)."""
    users = list(users)
    chosen = dict(
        NotificationSetting.objects.filter(user__in=users, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {u.pk: chosen.get(u.pk, Delivery.AT_ONCE) for u in users}


# --- what ----------------------------------------------------------------------------


def _due(day: dt.date | None) -> str:
    return f", Frist {day:%d.%m.%Y}" if day else ""


def _line(case: Case, task: Task) -> str:
    return f"{case.aktenzeichen}: {task.label} (bei {task.who}{_due(task.due)})"


def _headline(tasks: Sequence[Task]) -> str:
    action = [t for t in tasks if t.kind == Task.Kind.AKTION]
    for task in action:
        if task.step == Status.BEI_BL:
            return f"Abverfügung: {task.label}{_due(task.due)}"  # R-W2.5
        if task.step == Status.BEI_GF:
            return f"Vorlage an die GF: {task.label}{_due(task.due)}"  # R-W3.2
        if task.step == Status.POSTEINGANG:
            return "Neue E-Mail im Posteingang"
    if action:
        return f"Neue Aufgabe: {action[0].label}{_due(action[0].due)}"
    return tasks[0].label


def body(case: Case, lines: Sequence[str], *, intro: str, copies: Sequence[str] = ()) -> str:
    url = services.link(reverse("cases:detail", args=[case.pk]))
    settings_url = services.link(reverse("mail:settings"))
    text = [
        "Guten Tag,",
        "",
        f"{intro} zum Fall {case.aktenzeichen} „{services.clean_header(case.subject, 200)}“:",
        "",
        *[f"- {line}" for line in lines],
        "",
        f"Fall öffnen: {url}",
    ]
    if copies:
        text += ["", "In Kopie zur Kenntnis: " + ", ".join(copies)]
    text += [
        "",
        "-- ",
        f"krm, Kundenreaktionsmanagement {case.jobcenter.name}. Diese Nachricht ist automatisch "
        "erstellt. Ob Sie sofort oder in der täglichen Übersicht benachrichtigt werden, "
        f"stellen Sie hier ein: {settings_url}",
    ]
    return "\n".join(text) + "\n"


# --- sending -------------------------------------------------------------------------


def on_tasks_created(*, case: Case, tasks: Sequence[Task], actor: Any, **kwargs: Any) -> None:
    """Inside the step's transaction: a mail for the step's new tasks (To: who must act,
    Cc: who is informed), or a line for the digest of who wants it so."""
    if actor is None:
        # A mail read by krm: its Posteingang task is announced once per run, for all the
        # run's mails (mailbox.services.announce).
        tasks = [t for t in tasks if t.step != Status.POSTEINGANG]
        if not tasks:
            return
    today = timezone.localdate()
    excluded = _never(case) | ({actor.pk} if actor is not None else set())
    action: dict[int, User] = {}
    info: dict[int, User] = {}
    for task in tasks:
        target = action if task.kind == Task.Kind.AKTION else info
        for person in holders(task, today):
            target.setdefault(person.pk, person)
    blocked = excluded | _without_case_access([*action.values(), *info.values()])
    action = {pk: u for pk, u in action.items() if pk not in blocked}
    info = {pk: u for pk, u in info.items() if pk not in blocked and pk not in action}
    if not action and not info:
        return
    lines = [_line(case, t) for t in tasks]

    def line_for(kind: str) -> Callable[[User], list[PendingNotification]]:
        return lambda user: [
            PendingNotification(user=user, case=case, kind=kind, line=lines[0][:500])
        ]

    at_once_to = split_by_delivery(
        action.values(), NotificationKind.AUFGABE, line_for(NotificationKind.AUFGABE)
    )
    at_once_cc = split_by_delivery(
        info.values(), NotificationKind.KENNTNIS, line_for(NotificationKind.KENNTNIS)
    )
    if not at_once_to and not at_once_cc:
        return
    to, cc = (at_once_to, at_once_cc) if at_once_to else (at_once_cc, [])
    intro = "es gibt eine neue Aufgabe" if at_once_to else "zur Kenntnis"
    key_ids = sorted(t.pk for t in tasks if t.pk is not None)
    services.queue(
        jobcenter=case.jobcenter,
        key=f"tasks:{case.pk}:{key_ids[0] if key_ids else timezone.now().timestamp()}",
        to=[u.email for u in to],
        cc=[u.email for u in cc],
        subject=services.subject_for(case.aktenzeichen, _headline(tasks)),
        body=body(case, lines, intro=intro, copies=[str(u) for u in cc]),
        case=case,
        actor=actor,
    )


def tell(*, case: Case, users: Iterable[User], headline: str, line: str, key: str) -> None:
    """A notification of kind ANTWORT (a message joined a case) to `users`."""
    people = stand_ins(list(users), case.jobcenter_id, timezone.localdate())
    people = [u for u in people if u.pk not in _never(case)]
    at_once = split_by_delivery(
        people,
        NotificationKind.ANTWORT,
        lambda user: [
            PendingNotification(
                user=user, case=case, kind=NotificationKind.ANTWORT, line=line[:500]
            )
        ],
    )
    if at_once:
        services.queue(
            jobcenter=case.jobcenter,
            key=key,
            to=[u.email for u in at_once],
            subject=services.subject_for(case.aktenzeichen, headline),
            body=body(case, [line], intro="eine neue Nachricht"),
            case=case,
        )


MAX_ANNOUNCED = 50


def announce_posteingang(jobcenter: Any, cases: Sequence[Case]) -> None:
    """New mails in the Posteingang, to the KRM-B (or their deputy): one mail per run."""
    people = stand_ins(krmbs(jobcenter.pk), jobcenter.pk, timezone.localdate())
    # Aktenzeichen only: the subject is the sender's, and this mail belongs to no case.
    lines = [case.aktenzeichen for case in cases]
    at_once = split_by_delivery(
        people,
        NotificationKind.AUFGABE,
        lambda user: [
            PendingNotification(
                user=user,
                case=case,
                kind=NotificationKind.AUFGABE,
                line=f"Posteingang: {line}"[:500],
            )
            for case, line in zip(cases, lines, strict=True)
        ],
    )
    if not at_once:
        return
    shown = lines[:MAX_ANNOUNCED]
    if len(lines) > MAX_ANNOUNCED:
        shown.append(f"… und {len(lines) - MAX_ANNOUNCED} weitere")
    url = services.link(reverse("mailbox:index"))
    count = len(cases)
    text = [
        "Guten Tag,",
        "",
        f"im Posteingang {'ist eine neue E-Mail' if count == 1 else f'sind {count} neue E-Mails'}:",
        "",
        *[f"- {line}" for line in shown],
        "",
        f"Zum Posteingang: {url}",
        "",
        "-- ",
        f"krm, Kundenreaktionsmanagement {jobcenter.name}.",
    ]
    services.queue(
        jobcenter=jobcenter,
        key=f"posteingang:{jobcenter.pk}:{min(c.pk for c in cases)}:{max(c.pk for c in cases)}",
        to=[u.email for u in at_once],
        subject=f"krm: {count} neue E-Mail{'s' if count != 1 else ''} im Posteingang",
        body="\n".join(text) + "\n",
    )

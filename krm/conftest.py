"""Fixtures shared by all tests: a small organisation like Pankow's and one user per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from krm.accounts.models import OrgUnit, User
from krm.accounts.roles import Role
from krm.jobcenters.models import Jobcenter
from krm.testing.factories import BereichFactory, JobcenterFactory, TeamFactory, UserFactory

# Real mail servers on loopback: smtp_server, dovecot, imap_mailbox.
pytest_plugins = ["krm.testing.mail_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Fast hashing in tests; production uses argon2 (tested in accounts/tests).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Org:
    jobcenter: Jobcenter
    b71: OrgUnit
    t711: OrgUnit
    t712: OrgUnit
    b72: OrgUnit
    t721: OrgUnit
    users: dict[str, User]

    def __getitem__(self, role: str) -> User:
        return self.users[role]


@pytest.fixture
def org(db: None) -> Org:
    """Jobcenter with Bereiche 71 (Teams 711, 712; the LGF answers for it) and 72 (Team 721,
    not the LGF's); one user per role
    (username = role slug, as in the demo): bl leads 71, tl leads 711, mitarbeiter in 711."""
    jobcenter = JobcenterFactory(name="Jobcenter Berlin Pankow", slug="pankow")
    b71 = BereichFactory(jobcenter=jobcenter, code="71")
    t711 = TeamFactory(parent=b71, code="711")
    t712 = TeamFactory(parent=b71, code="712")
    b72 = BereichFactory(jobcenter=jobcenter, code="72", lgf_responsible=False)
    t721 = TeamFactory(parent=b72, code="721")
    homes = {Role.BL: b71, Role.TL: t711, Role.MITARBEITER: t711}
    leads = {Role.BL: b71, Role.TL: t711}
    users = {}
    for role in Role:
        users[role.value] = UserFactory(
            username=role.value,
            jobcenter=jobcenter,
            home_unit=homes.get(role),
            roles=[(role, leads.get(role))],
            is_staff=role == Role.ADMIN,
        )
    return Org(jobcenter, b71, t711, t712, b72, t721, users)


@pytest.fixture
def krmb(db: None) -> User:
    """A KRM-B alone in a Jobcenter of their own."""
    return UserFactory(username="krmb", jobcenter=JobcenterFactory(), roles=[Role.KRMB])


@pytest.fixture
def pin_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """Fix "now" for the services (the future check) and everything else."""

    def pin(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return pin


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker run in-process (`krm.worker.runner.drain`) runs inside the test's transaction;
    django-tasks-db's `close_old_connections` would drop that connection (autocommit is off
    inside it), so in tests it closes nothing. A worker in its own process is unaffected."""
    import django_tasks_db.management.commands.db_worker as db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every test stores its documents in a folder of its own, never in var/ of the
    checkout (Django resets its storages when STORAGES changes)."""
    folder = tmp_path_factory.mktemp("documents")
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder

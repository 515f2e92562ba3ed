"""Test factories: an organisation, users with roles, cases registered through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from krm.accounts.models import OrgUnit, RoleAssignment, User
from krm.accounts.roles import Role
from krm.cases import services
from krm.cases.models import Case
from krm.jobcenters.models import Jobcenter
from krm.jobcenters.services import create_jobcenter
from krm.lib.workdays import BERLIN


class JobcenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jobcenter

    name = factory.Sequence(lambda n: f"Jobcenter Test {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Jobcenter:
        # With the default file plan and topics, as a real Jobcenter is set up.
        return create_jobcenter(name=kwargs["name"], slug=kwargs["slug"])


class BereichFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("jobcenter", "code")

    jobcenter = factory.SubFactory(JobcenterFactory)
    code = factory.Sequence(lambda n: str(80 + n))
    name = factory.LazyAttribute(lambda o: f"Bereich {o.code}")
    level = OrgUnit.Level.BEREICH
    lgf_responsible = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("jobcenter", "code")

    parent = factory.SubFactory(BereichFactory)
    jobcenter = factory.SelfAttribute("parent.jobcenter")
    code = factory.LazyAttribute(lambda o: f"{o.parent.code}1")
    name = factory.LazyAttribute(lambda o: f"Team {o.code}")
    level = OrgUnit.Level.TEAM


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@jobcenter.example")
    jobcenter = factory.SubFactory(JobcenterFactory)
    password = factory.django.Password("geheim-passwort-123")

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """roles=[Role.TL, (Role.BL, bereich), …]: the role, and the unit a BL/TL leads."""
        for item in extracted or ():
            role, unit = item if isinstance(item, tuple) else (item, None)
            RoleAssignment.objects.create(user=self, role=role, org_unit=unit)


def make_case(actor: User, **overrides: Any) -> Case:
    """A case registered through the real service, by `actor` (a KRM-B unless quick)."""
    data: dict[str, Any] = {
        "kind": "beschwerde",
        "channel": "brief",
        "subject": "Telefonisch nicht erreichbar",
        "text": "Ich erreiche niemanden.",
        "received_at": dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN),
    }
    if overrides.get("quick_capture"):
        del data["received_at"]  # a quick capture is received now
    data.update(overrides)
    return services.register_case(actor=actor, **data)


__all__ = ["BereichFactory", "JobcenterFactory", "Role", "TeamFactory", "UserFactory", "make_case"]

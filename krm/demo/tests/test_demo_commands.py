"""`krm load-demo` and `krm generate-cases`."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from krm.accounts.access import access_for
from krm.accounts.models import OrgUnit, User
from krm.accounts.roles import Role
from krm.cases.kinds import Kind
from krm.cases.models import AktenzeichenRecord, Case
from krm.jobcenters.models import Jobcenter
from krm.lib import aktenzeichen as az
from krm.testing.factories import make_case


def test_demo_data_needs_demo_mode(db, settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="KRM_DEMO=1"):
        call_command("load-demo")


def test_demo_data_is_loaded_once_into_an_empty_database(db, settings):
    settings.DEMO = True
    out = StringIO()
    call_command("load-demo", stdout=out)
    assert "300 Fälle" in out.getvalue()
    assert "krmb" in out.getvalue() and "controlling" in out.getvalue()
    # 300 generated cases, and the demo mails (krm/demo/mail.py): three new mails in the
    # Posteingang (the reply joins the first, the unreadable one is in the quarantine).
    assert Case.objects.count() == 303
    assert Case.objects.filter(status="posteingang").count() == 3
    call_command("load-demo", stdout=StringIO())
    assert Case.objects.count() == 303
    assert Jobcenter.objects.count() == 1


def test_demo_organisation_matches_the_issue(db, settings):
    settings.DEMO = True
    call_command("load-demo", "--cases", "20", stdout=StringIO())
    bereiche = set(OrgUnit.objects.filter(level="bereich").values_list("code", flat=True))
    assert {"71", "72", "75", "76", "77", "7BGF"} <= bereiche and len(bereiche) >= 8
    for bereich in OrgUnit.objects.filter(level="bereich").prefetch_related("teams"):
        teams = list(bereich.teams.all())
        assert 2 <= len(teams) <= 4
        assert all(t.code[:-1] == bereich.code and t.code[-1].isdigit() for t in teams)
    for slug in Role.values:
        user = User.objects.get(username=slug)
        assert user.check_password("demo")
        assert slug in access_for(user).roles
    assert access_for(User.objects.get(username="bl")).led_bereich_ids == {
        OrgUnit.objects.get(code="71").pk
    }
    assert access_for(User.objects.get(username="tl")).led_team_ids == {
        OrgUnit.objects.get(code="711").pk
    }
    assert User.objects.get(username="mitarbeiter").home_unit.code == "711"
    lgf = set(OrgUnit.objects.filter(lgf_responsible=True).values_list("code", flat=True))
    assert lgf == {"71", "72", "75", "76", "77", "7BGF"}


def test_generate_cases_continues_numbers_without_gaps(db):
    out = StringIO()
    call_command("generate-cases", "50", stdout=out)  # an empty database: demo organisation
    krmb = User.objects.get(username="krmb")
    assert not krmb.has_usable_password()  # not demo mode: no demo passwords
    make_case(krmb)
    call_command("generate-cases", "1500", "--seed", "7", stdout=out)
    assert Case.objects.count() == 1551
    numbers = defaultdict(list)
    for value in AktenzeichenRecord.objects.values_list("aktenzeichen", flat=True):
        parsed = az.parse(value)
        numbers[(parsed.plan, parsed.year)].append(parsed.number)
    for key, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key
    kinds = set(Case.objects.values_list("kind", flat=True))
    assert len(kinds) >= 10 and kinds <= set(Kind.values)
    assert Case.objects.filter(is_open=True).exists()
    assert Case.objects.filter(status="abgeschlossen").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_search")
        assert cursor.fetchone()[0] == 1551


def test_generate_cases_refuses_nonsense(db):
    with pytest.raises(CommandError):
        call_command("generate-cases", "0")
    with pytest.raises(CommandError):
        call_command("generate-cases", "5", "--jobcenter", "gibt-es-nicht")

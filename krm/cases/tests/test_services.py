"""The case services: registration, edits with version checks, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from krm.accounts.access import access_for
from krm.audit.models import Event, EventType
from krm.audit.services import retention_deletion
from krm.cases import services
from krm.cases.models import Case, CaseLink, Customer, Forwarding
from krm.cases.selectors import CaseFilter, case_list
from krm.cases.workflow import Status
from krm.lib.workdays import BERLIN
from krm.testing import route
from krm.testing.factories import make_case

RECEIVED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN)


def test_registration_records_everything_in_one_event(org):
    """R-W2.1: registered once, with an audit event that is the timeline's first entry."""
    case = make_case(
        org["krmb"],
        org_unit=org.t711,
        topics=list(org.jobcenter.topics.filter(code="T01")),
        customer={"name": "Erika Mustermann", "email": "erika@example.org"},
    )
    event = case.events.get()
    assert event.type == EventType.CASE_REGISTERED
    assert event.actor == org["krmb"]
    assert event.data["aktenzeichen"] == case.aktenzeichen
    assert event.data["org_unit"] == "711"
    assert event.data["topics"] == ["T01"]
    assert case.bereich == org.b71
    assert case.customer.name == "Erika Mustermann"
    assert case.status == Status.EINGEGANGEN and case.is_open


def test_anonymous_case_has_no_customer_row(org):
    case = make_case(org["krmb"], customer={"name": " ", "email": ""})
    assert not Customer.objects.filter(case=case).exists()


def test_registration_is_all_or_nothing(org):
    with pytest.raises(ValidationError) as error:
        make_case(
            org["krmb"],
            subject="",
            customer={"email": "kein-mail"},
            topics=list(org.jobcenter.topics.all()[:4]),
        )
    assert set(error.value.message_dict) == {"subject", "customer", "topics"}
    assert Case.objects.count() == Event.objects.filter(case__isnull=False).count() == 0


def test_out_of_scope_kind_is_registered_as_forwarding(org):
    """R-O2: a Widerspruch goes to the Rechtsbehelfsstelle, recorded, never lost."""
    case = make_case(org["krmb"], kind="widerspruch")
    assert case.status == Status.WEITERGELEITET and not case.is_open
    forwarding = Forwarding.objects.get(case=case)
    assert forwarding.recipient == "Rechtsbehelfsstelle (791/792)"
    assert forwarding.forwarded_by == org["krmb"]
    assert case.acknowledgement_due is None and case.completion_due is None
    assert set(case.events.values_list("type", flat=True)) == {
        EventType.CASE_REGISTERED,
        EventType.CASE_FORWARDED,
    }


def test_quick_capture_is_open_to_staff_but_full_registration_is_not(org):
    make_case(org["mitarbeiter"], quick_capture=True)
    with pytest.raises(PermissionDenied):
        make_case(org["mitarbeiter"])
    with pytest.raises(PermissionDenied):
        make_case(org["controlling"], quick_capture=True)


def test_edit_records_old_and_new_values(org):
    case = make_case(org["krmb"], org_unit=org.t711)
    services.update_case(
        actor=org["krmb"],
        case=case,
        expected_version=1,
        changes={
            "subject": "Neuer Betreff",
            "org_unit": org.t721,
            "customer": {"name": "Max Muster"},
        },
    )
    case.refresh_from_db()
    assert case.version == 2
    assert case.bereich == org.b72
    event = case.events.get(type=EventType.CASE_UPDATED)
    changes = event.content["aenderungen"]
    assert changes["subject"] == {"alt": "Telefonisch nicht erreichbar", "neu": "Neuer Betreff"}
    assert changes["org_unit"] == {"alt": "711", "neu": "721"}
    assert changes["customer"]["alt"] is None
    assert changes["customer"]["neu"]["name"] == "Max Muster"


def test_stale_edit_is_refused_not_applied(org):
    """Rule 3: a conflicting edit is refused, not overwritten."""
    case = make_case(org["krmb"])
    services.update_case(
        actor=org["krmb"], case=case, expected_version=1, changes={"subject": "Erste Änderung"}
    )
    with pytest.raises(services.ConflictError) as error:
        services.update_case(
            actor=org["krmb"],
            case=case,
            expected_version=1,
            changes={"subject": "Veraltete Änderung"},
        )
    assert "inzwischen" in str(error.value)
    case.refresh_from_db()
    assert case.subject == "Erste Änderung"
    assert case.events.filter(type=EventType.CASE_UPDATED).count() == 1


def test_edit_without_change_records_no_event(org):
    case = make_case(org["krmb"])
    services.update_case(
        actor=org["krmb"], case=case, expected_version=1, changes={"subject": case.subject}
    )
    assert not case.events.filter(type=EventType.CASE_UPDATED).exists()


def test_changing_receipt_recomputes_deadlines(org):
    case = make_case(org["krmb"], received_at=dt.datetime(2025, 5, 7, 9, 0, tzinfo=BERLIN))
    assert case.acknowledgement_due == dt.date(2025, 5, 13)
    services.update_case(
        actor=org["krmb"],
        case=case,
        expected_version=1,
        changes={"received_at": dt.datetime(2026, 4, 2, 9, 0)},  # noqa: DTZ001 - Berlin time
    )
    case.refresh_from_db()
    assert case.acknowledgement_due == dt.date(2026, 4, 9)
    # A new year of receipt means a new Aktenzeichen (the year is that of the receipt).
    assert case.aktenzeichen == "II-6001-2026-00001"


def test_only_the_acting_krmb_changes_cases(org):
    case = make_case(org["krmb"], org_unit=org.t711)
    for role in ("gf", "bl", "tl", "vertretung", "dsb"):
        with pytest.raises(PermissionDenied):
            services.update_case(
                actor=org[role], case=case, expected_version=1, changes={"subject": "x"}
            )


def test_close_and_reopen_go_through_the_state_machine(org):
    case = route.close(make_case(org["krmb"]), org, outcome="teilweise_berechtigt")
    assert case.status == Status.ABGESCHLOSSEN and not case.is_open
    assert case.next_due is None and case.closed_at is not None
    assert case.outcome == "teilweise_berechtigt"
    with pytest.raises(services.StepRefused):  # already closed
        route.step(org["krmb"], case, "abschliessen", outcome="berechtigt")
    case = route.step(org["krmb"], case, "wiedereroeffnen", reason="Kunde meldet sich erneut")
    assert case.status == Status.EINGEGANGEN and case.outcome == "" and case.closed_at is None
    steps = [e.data["schritt"] for e in case.events.filter(type=EventType.CASE_STEP)]
    assert steps[-2:] == ["abschliessen", "wiedereroeffnen"]


def test_out_of_scope_case_cannot_be_closed_as_krm_case(org):
    case = make_case(org["krmb"], kind="fachliche_anfrage")
    with pytest.raises(services.StepRefused):
        route.step(org["krmb"], case, "abschliessen", outcome="berechtigt")


def test_kind_correction_to_out_of_scope_forwards_and_back_reopens(org):
    """R-K10: a complaint that turns out to be a Widerspruch is forwarded."""
    case = make_case(org["krmb"])
    case = services.correct_kind(
        actor=org["krmb"],
        case=case,
        expected_version=1,
        kind="widerspruch",
        note="richtet sich gegen Bescheid",
    )
    assert case.status == Status.WEITERGELEITET
    assert case.aktenzeichen.startswith("II-6000-2026-")
    assert case.forwardings.get().recipient == "Rechtsbehelfsstelle (791/792)"
    assert case.next_due is None
    case = services.correct_kind(
        actor=org["krmb"], case=case, expected_version=case.version, kind="beschwerde"
    )
    assert case.status == Status.EINGEGANGEN and case.is_open
    assert case.aktenzeichen == "II-6001-2026-00002"
    assert case.completion_due is not None


def test_correcting_kind_to_petition_makes_it_urgent(org):
    case = make_case(org["krmb"])
    case = services.correct_kind(actor=org["krmb"], case=case, expected_version=1, kind="petition")
    assert case.urgent
    assert case.aktenzeichen == "II-6003-2026-00001"


def test_acknowledgement_stops_its_deadline(org):
    case = make_case(org["krmb"])
    assert case.next_due == case.acknowledgement_due
    case = route.step(
        org["krmb"],
        case,
        "eingangsbestaetigung",
        contact_person="Herr Beispiel, Team 711",
        sent_at=dt.datetime(2026, 11, 3, 12, 0, tzinfo=BERLIN),
    )
    assert case.next_due == case.completion_due
    assert case.contact_person == "Herr Beispiel, Team 711"
    assert case.events.filter(type=EventType.CASE_ACKNOWLEDGED).exists()
    with pytest.raises(services.StepRefused):
        route.step(org["krmb"], case, "eingangsbestaetigung", contact_person="x")


def test_links_are_symmetric_and_recorded_on_both_cases(org):
    """R-K9: a complaint and a Widerspruch on the same matter are linked."""
    complaint = make_case(org["krmb"])
    objection = make_case(org["krmb"], kind="widerspruch")
    link = services.link_cases(
        actor=org["krmb"], case=objection, other=complaint, note="gleicher Bescheid"
    )
    assert (link.first, link.second) == (complaint, objection)
    with pytest.raises(ValidationError):
        services.link_cases(actor=org["krmb"], case=complaint, other=objection)
    with pytest.raises(ValidationError):
        services.link_cases(actor=org["krmb"], case=complaint, other=complaint)
    assert complaint.events.filter(type=EventType.CASE_LINKED).count() == 1
    assert objection.events.filter(type=EventType.CASE_LINKED).count() == 1
    services.unlink_cases(actor=org["krmb"], link=link)
    assert not CaseLink.objects.exists()
    assert complaint.events.filter(type=EventType.CASE_UNLINKED).count() == 1


def test_events_are_append_only(org):
    case = make_case(org["krmb"])
    event = case.events.get()
    event.data = {"manipuliert": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(data={})
    # Deleted only together with the case, on the retention path.
    case_id = case.pk
    with retention_deletion():
        case.delete()
    assert not Event.objects.filter(chain=f"case:{case_id}").exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Wartezeit", True),
        ("wartezeit eingangszone", True),
        ("Muster", True),  # customer name (prefix)
        ("Eingangszone Bescheid", False),  # every word must match
        ("Müller", False),
        ("", True),
    ],
)
def test_full_text_search_over_subject_text_and_name(org, query, found):
    case = make_case(
        org["krmb"],
        subject="Lange Wartezeit in der Eingangszone",
        text="Ich habe zwei Stunden gewartet.",
        customer={"name": "Erika Mustermann"},
    )
    results = list(case_list(user=org["krmb"], filters=CaseFilter(q=query)))
    assert (case in results) is found


def test_search_follows_edits(org):
    case = make_case(org["krmb"], subject="Unterlagen verloren")
    services.update_case(
        actor=org["krmb"],
        case=case,
        expected_version=1,
        changes={"subject": "Zahlung über Weihnachten ausgeblieben"},
    )
    found = {
        q: case in case_list(user=org["krmb"], filters=CaseFilter(q=q))
        for q in ("verloren", "Weihnachten", "Zahlung über")
    }
    assert found == {"verloren": False, "Weihnachten": True, "Zahlung über": True}


# --- rules the services hold (not the forms) ------------------------------------------------


def test_inactive_units_and_topics_take_no_new_cases_but_stay_on_old_ones(org):
    topic = org.jobcenter.topics.order_by("code").first()
    case = make_case(org["krmb"], org_unit=org.t712, topics=[topic])
    org.t712.is_active = False
    org.t712.save()
    topic.is_active = False
    topic.save()
    with pytest.raises(ValidationError) as refused:
        make_case(org["krmb"], org_unit=org.t712)
    assert "nicht mehr aktiv" in str(refused.value.message_dict["org_unit"])
    with pytest.raises(ValidationError) as refused:
        make_case(org["krmb"], topics=[topic])
    assert "nicht mehr aktiv" in str(refused.value.message_dict["topics"])
    # The case that has them keeps them through an edit.
    case = services.update_case(
        actor=org["krmb"], case=case, expected_version=case.version, changes={"subject": "Neu"}
    )
    assert case.org_unit == org.t712 and list(case.topics.all()) == [topic]


def test_quick_capture_takes_only_its_channels(org):
    with pytest.raises(ValidationError) as refused:
        make_case(org["mitarbeiter"], quick_capture=True, channel="online")
    assert "channel" in refused.value.message_dict


def test_an_edit_in_the_same_minute_keeps_the_stored_time_of_receipt(org):
    received = dt.datetime(2026, 11, 2, 10, 0, 42, tzinfo=BERLIN)
    case = make_case(org["krmb"], received_at=received)
    same_minute = dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN)
    case = services.update_case(
        actor=org["krmb"],
        case=case,
        expected_version=case.version,
        changes={"received_at": same_minute, "subject": "Neu"},
    )
    assert case.received_at == received
    later = dt.datetime(2026, 11, 2, 10, 1, tzinfo=BERLIN)
    case = services.update_case(
        actor=org["krmb"], case=case, expected_version=case.version, changes={"received_at": later}
    )
    assert case.received_at == later


def test_no_reaction_is_registered_at_the_gf_level(org):
    """R-W1.2: TL, BL, GF, one level at a time; never straight to level 3."""
    with pytest.raises(ValidationError) as refused:
        make_case(org["krmb"], escalation_level=3)
    assert "escalation_level" in refused.value.message_dict
    assert make_case(org["krmb"], escalation_level=2).escalation_level == 2


def test_the_closing_guard_alone_refuses_an_unanswered_letter(org):
    """The state allows closing (`eingegangen` is a source of `abschliessen`), the KRM-B may
    close: only the guard refuses a letter that has not been answered yet."""
    from krm.cases.workflow import TRANSITIONS

    case = make_case(org["krmb"])  # a letter, eingegangen
    closing = TRANSITIONS["abschliessen"]
    assert case.status in closing.sources and closing.allowed(access_for(org["krmb"]), case)
    with pytest.raises(services.StepRefused, match="noch nicht beantwortet"):
        route.step(org["krmb"], case, "abschliessen", outcome="berechtigt")
    # The same step on a complaint taken on the phone and settled at once is allowed.
    phoned = make_case(org["krmb"], channel="telefon")
    assert route.step(org["krmb"], phoned, "abschliessen", outcome="berechtigt").closed_at

"""The state machine is the only place a status changes, and the docs show it as it is."""

from pathlib import Path

from django.conf import settings

from krm.cases.workflow import (
    FIELD_TYPES,
    OPEN_STATUSES,
    STATES,
    TRANSITIONS,
    Status,
    mermaid,
    steps_table,
)


def test_docs_diagram_is_generated_from_the_transition_table():
    docs = (Path(settings.BASE_DIR) / "docs" / "workflow.md").read_text()
    assert mermaid() in docs, "run: krm workflow-diagram, and paste it into docs/workflow.md"
    assert steps_table() in docs, "run: krm workflow-diagram --table (docs/workflow.md)"


def test_every_transition_connects_known_states():
    for transition in TRANSITIONS.values():
        assert transition.sources <= set(Status.values)
        if transition.target is None:  # a step beside the route: the state stays
            continue
        assert transition.target in Status.values
        assert transition.target not in transition.sources


def test_every_open_state_says_who_acts_and_every_state_is_reached():
    # by registration, and by the mailbox (services.register_incoming)
    reached = {Status.EINGEGANGEN, Status.WEITERGELEITET, Status.POSTEINGANG}
    reached |= {t.target for t in TRANSITIONS.values() if t.target}
    assert reached == set(Status.values)
    assert set(STATES) == set(OPEN_STATUSES)


def test_every_field_has_a_known_type_and_choices_where_limited():
    for transition in TRANSITIONS.values():
        for field in transition.fields:
            assert field.type in FIELD_TYPES, (transition.name, field.name)
            assert (field.choices is not None) == field.type.endswith("choice"), field.name


def test_status_is_not_assigned_outside_the_workflow():
    """Only services._set_status (driven by the workflow) writes Case.status."""
    offenders = []
    for path in (Path(settings.BASE_DIR) / "krm").rglob("*.py"):
        if "tests" in path.parts or path.name in {"services.py", "generator.py"}:
            continue
        if ".status = " in path.read_text():
            offenders.append(str(path))
    assert offenders == []


def test_the_person_a_dab_is_about_may_take_no_step_on_it_whatever_else_allows(org):
    """R-K7, defence in depth: even where another rule would let them (they are the KRM-B
    here), the person concerned, or their deputy, takes no step on a DAB about them."""
    import datetime as dt

    import pytest
    from django.utils import timezone

    from krm.accounts.access import access_for
    from krm.accounts.models import Absence, User
    from krm.cases.workflow import check
    from krm.testing.factories import make_case

    case = make_case(org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["krmb"])
    with pytest.raises(PermissionError):
        check(TRANSITIONS["notiz"], case, access_for(org["krmb"]))
    today = timezone.localdate()
    Absence.objects.create(user=org["krmb"], start=today, end=today + dt.timedelta(days=1))
    vertretung = User.objects.get(pk=org["vertretung"].pk)  # acts as the absent KRM-B
    with pytest.raises(PermissionError):
        check(TRANSITIONS["notiz"], case, access_for(vertretung))
    other = make_case(org["krmb"], kind="dienstaufsichtsbeschwerde", staff_concerned=org["tl"])
    check(TRANSITIONS["notiz"], other, access_for(vertretung))  # about someone else: allowed

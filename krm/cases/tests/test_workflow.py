"""The state machine is the only place a status changes, and the docs show it as it is."""

from pathlib import Path

from django.conf import settings

from krm.cases.workflow import TRANSITIONS, Status, mermaid


def test_docs_diagram_is_generated_from_the_transition_table():
    docs = (Path(settings.BASE_DIR) / "docs" / "workflow.md").read_text()
    assert mermaid() in docs, "run: krm workflow-diagram, and paste it into docs/workflow.md"


def test_every_transition_connects_known_states():
    for transition in TRANSITIONS.values():
        assert transition.target in Status.values
        assert transition.sources <= set(Status.values)
        assert transition.target not in transition.sources


def test_status_is_not_assigned_outside_the_workflow():
    """Only services._set_status (driven by the workflow) writes Case.status."""
    offenders = []
    for path in (Path(settings.BASE_DIR) / "krm").rglob("*.py"):
        if "tests" in path.parts or path.name in {"services.py", "generator.py"}:
            continue
        if ".status = " in path.read_text():
            offenders.append(str(path))
    assert offenders == []

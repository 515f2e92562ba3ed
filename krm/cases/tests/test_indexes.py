"""Rule 4: every list filter has an index (checked on the real database schema)."""

import pytest
from django.db import connection

from krm.cases.models import Case

# The worklist and API filters and the columns they query.
FILTER_COLUMNS = {
    "kind": "kind",
    "channel": "channel",
    "status": "status",
    "deadline_state": "next_due",
    "org_unit (Team)": "org_unit_id",
    "org_unit (Bereich)": "bereich_id",
    "received_from/received_to": "received_on",
    "Meine Fälle": "captured_by_id",
    "offen": "is_open",
}


@pytest.mark.django_db
@pytest.mark.parametrize("column", sorted(set(FILTER_COLUMNS.values())))
def test_every_filter_column_leads_or_follows_the_jobcenter_in_an_index(column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    leading = set()
    for info in constraints.values():
        if not info["index"] or not info["columns"]:
            continue
        columns = [c for c in info["columns"] if c]
        # Usable for an equality or range on `column`: first, or right after jobcenter_id.
        if columns[0] == column or (columns[0] == "jobcenter_id" and columns[1:2] == [column]):
            leading.add(column)
    assert column in leading


@pytest.mark.django_db
def test_topic_filter_uses_the_indexed_link_table():
    through = Case.topics.through._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, through)
    leading = {info["columns"][0] for info in constraints.values() if info["columns"]}
    assert "topic_id" in leading

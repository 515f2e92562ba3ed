"""The full-text index table, built for the database in use (see krm/cases/search.py)."""

from django.db import migrations

from krm.cases import search


def create(apps, schema_editor):
    for statement in search.create_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in search.drop_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

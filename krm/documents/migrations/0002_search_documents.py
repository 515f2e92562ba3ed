"""The full-text index takes the text of documents: on SQLite the FTS table gains a column
(built anew, every case indexed again); PostgreSQL's tsvector needs no change."""

from django.db import migrations

from krm.cases import search


def rebuild(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor != "sqlite":
        return
    for statement in search.drop_index_sql(vendor) + search.create_index_sql(vendor):
        schema_editor.execute(statement)
    Case = apps.get_model("cases", "Case")
    ids = list(Case.objects.values_list("pk", flat=True))
    search.reindex(ids)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("cases", "0009_aktenzeichen_number_index")]
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]

"""Topics and the file plan now belong to the jobcenters app (same tables)."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Permissions granted on topics and the file plan stay with them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("topic", "fileplanentry"):
        if not ContentType.objects.filter(app_label="jobcenters", model=model).exists():
            ContentType.objects.filter(app_label="cases", model=model).update(
                app_label="jobcenters"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_workflow"),
        ("jobcenters", "0003_topics_and_file_plan"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="presentationcriterion",
                    name="topic",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="jobcenters.topic",
                        verbose_name="Thema",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="topics",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="cases",
                        to="jobcenters.topic",
                        verbose_name="Themen",
                    ),
                ),
                migrations.DeleteModel(name="FilePlanEntry"),
                migrations.DeleteModel(name="Topic"),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]

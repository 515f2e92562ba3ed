"""The topic list and the file plan are Jobcenter configuration: they move here from the
cases app. Only Django's idea of them moves; their tables keep their names and rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobcenters", "0002_workflow"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="FilePlanEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("number", models.CharField(max_length=20, verbose_name="Aktenplannummer")),
                        ("title", models.CharField(max_length=200, verbose_name="Bezeichnung")),
                        (
                            "kinds",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='Slugs der Arten, z. B. ["beschwerde"]',
                                verbose_name="Arten",
                            ),
                        ),
                        (
                            "is_default",
                            models.BooleanField(
                                default=False,
                                help_text="Genau ein Eintrag je Jobcenter",
                                verbose_name="für alle übrigen Arten",
                            ),
                        ),
                        (
                            "jobcenter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="file_plan_entries",
                                to="jobcenters.jobcenter",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Aktenplan-Eintrag",
                        "verbose_name_plural": "Aktenplan",
                        "db_table": "cases_fileplanentry",
                        "ordering": ["number"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("jobcenter", "number"), name="unique_plan_number"
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("is_default", True)),
                                fields=("jobcenter",),
                                name="one_default_plan_entry",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Topic",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=20, verbose_name="Kennung")),
                        ("label", models.CharField(max_length=200, verbose_name="Bezeichnung")),
                        ("is_active", models.BooleanField(default=True, verbose_name="aktiv")),
                        (
                            "jobcenter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="topics",
                                to="jobcenters.jobcenter",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Thema",
                        "verbose_name_plural": "Themen",
                        "db_table": "cases_topic",
                        "ordering": ["code"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("jobcenter", "code"), name="unique_topic_code"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]

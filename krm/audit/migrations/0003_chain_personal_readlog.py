# The hash chain, erasable personal values, the security log and the read log (issue 6).
# Existing events are sealed in place: their personal values move to `personal`, each
# case's events become a chain in the order they were written.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _mark(data):
    from krm.audit.personal import Personal

    def snapshot_values(d):
        for key in ("subject", "text"):
            if key in d:
                d[key] = Personal(d[key], key)
        if isinstance(d.get("customer"), dict):
            d["customer"] = {k: Personal(v, f"customer.{k}") for k, v in d["customer"].items()}

    data = dict(data)
    snapshot_values(data)
    changes = data.get("aenderungen")
    if isinstance(changes, dict):
        for key, change in changes.items():
            if key in ("subject", "text"):
                change["alt"] = Personal(change["alt"], key)
                change["neu"] = Personal(change["neu"], key)
            elif key == "customer":
                for side in ("alt", "neu"):
                    if isinstance(change[side], dict):
                        change[side] = {
                            k: Personal(v, f"customer.{k}") for k, v in change[side].items()
                        }
    for key in ("bemerkung", "grund"):  # notes and reasons typed by people
        if isinstance(data.get(key), str):
            data[key] = Personal(data[key], "notes")
    return data


def seal_existing(apps, schema_editor):
    from krm.audit.chain import GENESIS
    from krm.audit.services import seal

    Event = apps.get_model("audit", "Event")
    ChainHead = apps.get_model("audit", "ChainHead")
    heads = {}
    # In the order they were written (ids), which is the order of a chain.
    events = Event.objects.order_by("case_id", "id").iterator(chunk_size=2000)
    for event in events:
        name = f"case:{event.case_id}" if event.case_id else "system"
        seq, prev = heads.get(name, (0, GENESIS))
        data = event.data
        if event.type != "case.deadlines_recomputed":  # its "grund" is krm's own text
            data = _mark(data)
        sealed = seal(
            chain_name=name,
            seq=seq + 1,
            prev=prev,
            type=event.type,
            case_id=event.case_id,
            actor_id=event.actor_id,
            subject_user_id=None,
            created_at=event.created_at,
            data=data,
        )
        Event.objects.filter(pk=event.pk).update(
            chain=name,
            seq=seq + 1,
            data=sealed.data,
            personal=sealed.personal,
            digests=sealed.digests,
            mac=sealed.mac,
        )
        heads[name] = (seq + 1, sealed.mac)
    ChainHead.objects.bulk_create(
        ChainHead(
            key=name,
            seq=seq,
            mac=mac,
            case_id=int(name.split(":")[1]) if name.startswith("case:") else None,
        )
        for name, (seq, mac) in heads.items()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_deadlines_recomputed_event"),
        ("cases", "0004_ordered_unit_indexes"),
        ("jobcenters", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="type",
            field=models.CharField(
                choices=[
                    ("case.registered", "Fall erfasst"),
                    ("case.updated", "Daten geändert"),
                    ("case.kind_corrected", "Art korrigiert"),
                    ("case.transition", "Status geändert"),
                    ("case.forwarded", "Weitergeleitet"),
                    ("case.linked", "Verknüpft"),
                    ("case.unlinked", "Verknüpfung gelöst"),
                    ("case.acknowledged", "Eingangsbestätigung versandt"),
                    ("case.deadlines_recomputed", "Fristen neu berechnet"),
                    ("case.rectified", "Daten berichtigt (Art. 16 DSGVO)"),
                    ("case.erased", "Personenbezogene Daten gelöscht (Art. 17 DSGVO)"),
                    ("case.disclosed", "Auskunft erteilt (Art. 15 DSGVO)"),
                    ("account.created", "Benutzerkonto angelegt"),
                    ("account.changed", "Benutzerkonto geändert"),
                    ("account.password", "Passwort gesetzt"),
                    ("account.sessions_ended", "Alle Sitzungen beendet"),
                    ("role.requested", "Rolle beantragt (Vier-Augen-Prinzip)"),
                    ("role.granted", "Rolle erteilt"),
                    ("role.revoked", "Rolle entzogen"),
                    ("approval.decided", "Freigabe entschieden"),
                    ("absence.changed", "Abwesenheit oder Vertretung geändert"),
                    ("config.changed", "Konfiguration geändert"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="jobcenter",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="jobcenters.jobcenter",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="subject_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="personal",
            field=models.JSONField(
                default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="digests",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="event",
            name="chain",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="seq",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=40, unique=True)),
                ("seq", models.PositiveIntegerField(default=0)),
                ("mac", models.CharField(max_length=64)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ReadEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "via",
                    models.CharField(
                        choices=[
                            ("seite", "Fallseite"),
                            ("api", "API (Fall)"),
                            ("api_liste", "API (Liste)"),
                            ("dokument", "Dokument"),
                            ("auskunft", "Auskunft (Art. 15 DSGVO)"),
                        ],
                        max_length=12,
                    ),
                ),
                ("address", models.GenericIPAddressField(blank=True, null=True)),
                ("document_id", models.BigIntegerField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "Lesezugriff",
                "verbose_name_plural": "Lesezugriffe",
                "indexes": [
                    models.Index(fields=["case", "-at"], name="read_case_idx"),
                    models.Index(fields=["user", "-at"], name="read_user_idx"),
                    models.Index(fields=["at"], name="read_at_idx"),
                ],
            },
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["jobcenter", "-created_at"], name="event_security_log_idx"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["subject_user", "-created_at"], name="event_subject_user_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="unique_event_chain_seq"
            ),
        ),
    ]

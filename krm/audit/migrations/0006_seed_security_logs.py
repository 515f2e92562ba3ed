# Every Jobcenter has a security log from the start (`krm audit verify` expects one); those
# set up before the log existed get a first event now.

from django.db import migrations


def seed(apps, schema_editor):
    from django.utils import timezone

    from krm.audit.chain import GENESIS
    from krm.audit.services import seal

    Jobcenter = apps.get_model("jobcenters", "Jobcenter")
    User = apps.get_model("accounts", "User")
    Event = apps.get_model("audit", "Event")
    ChainHead = apps.get_model("audit", "ChainHead")
    logs = [(f"jc:{j.pk}", j.pk, f"Jobcenter „{j.name}“") for j in Jobcenter.objects.all()]
    if User.objects.filter(jobcenter__isnull=True).exists():
        logs.append(("system", None, "Konten ohne Jobcenter"))
    for name, jobcenter_id, what in logs:
        if ChainHead.objects.filter(key=name).exists():
            continue
        now = timezone.now()
        data = {"was": what, "aktion": "Sicherheitsprotokoll begonnen"}
        sealed = seal(
            chain_name=name,
            seq=1,
            prev=GENESIS,
            type="config.changed",
            case_id=None,
            actor_id=None,
            subject_user_id=None,
            created_at=now,
            data=data,
        )
        event = Event.objects.create(
            jobcenter_id=jobcenter_id,
            type="config.changed",
            created_at=now,
            data=sealed.data,
            personal=sealed.personal,
            digests=sealed.digests,
            chain=name,
            seq=1,
            mac=sealed.mac,
        )
        ChainHead.objects.create(key=name, seq=1, mac=event.mac)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_labels"),
        ("jobcenters", "0001_initial"),
        ("accounts", "0004_labels"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop, elidable=False)]

# Every Jobcenter has a security log from the start (`krm audit verify` expects one); those
# set up before the log existed get a first event now.

from django.db import migrations


def seed(apps, schema_editor):
    from django.utils import timezone

    from krm.audit.chain import GENESIS
    from krm.audit.services import seal

    Jobcenter = apps.get_model("jobcenters", "Jobcenter")
    Event = apps.get_model("audit", "Event")
    ChainHead = apps.get_model("audit", "ChainHead")
    for jobcenter in Jobcenter.objects.all():
        name = f"jc:{jobcenter.pk}"
        if ChainHead.objects.filter(key=name).exists():
            continue
        now = timezone.now()
        data = {"was": f"Jobcenter „{jobcenter.name}“", "aktion": "Sicherheitsprotokoll begonnen"}
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
            jobcenter_id=jobcenter.pk,
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
    dependencies = [("audit", "0005_labels"), ("jobcenters", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop, elidable=False)]

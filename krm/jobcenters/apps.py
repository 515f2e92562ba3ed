from django.apps import AppConfig


class JobcentersConfig(AppConfig):
    name = "krm.jobcenters"
    verbose_name = "Jobcenter"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track_all

        from .models import ClosureDay, FilePlanEntry, Jobcenter, Topic

        # Configuration changes go into the Jobcenter's security log.
        track_all(
            [
                (Tracked(Jobcenter, jobcenter_of=lambda j: j.pk), EventType.CONFIG_CHANGED),
                (
                    Tracked(ClosureDay, jobcenter_of=lambda d: d.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                ),
                (Tracked(Topic, jobcenter_of=lambda t: t.jobcenter_id), EventType.CONFIG_CHANGED),
                (
                    Tracked(FilePlanEntry, jobcenter_of=lambda e: e.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                ),
            ]
        )

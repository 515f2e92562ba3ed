from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "krm.cases"
    verbose_name = "Kundenreaktionen"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track_all

        from .models import FilePlanEntry, Topic

        track_all(
            [
                (Tracked(Topic, jobcenter_of=lambda t: t.jobcenter_id), EventType.CONFIG_CHANGED),
                (
                    Tracked(FilePlanEntry, jobcenter_of=lambda e: e.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                ),
            ]
        )

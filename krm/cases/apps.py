from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "krm.cases"
    verbose_name = "Kundenreaktionen"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track_all
        from krm.jobcenters.signals import calendar_changed

        from .models import PresentationCriterion
        from .services import recompute_deadlines

        track_all(
            [
                (
                    Tracked(PresentationCriterion, jobcenter_of=lambda c: c.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                ),
            ]
        )

        def recompute(sender, *, jobcenter, actor, reason, **kwargs) -> int:
            return recompute_deadlines(actor=actor, jobcenter=jobcenter, reason=reason)

        calendar_changed.connect(recompute, weak=False, dispatch_uid="cases.recompute")

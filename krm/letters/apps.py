from typing import Any

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "krm.letters"
    verbose_name = "Schreiben und Vorlagen"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track_all
        from krm.cases import panels
        from krm.cases.signals import step_taken

        from .models import Letterhead

        # The letterhead is configuration: its changes are in the security log.
        track_all(
            [
                (
                    Tracked(Letterhead, jobcenter_of=lambda head: head.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                )
            ]
        )

        def on_step(**kwargs: Any) -> None:
            from .services import on_step

            on_step(**kwargs)

        def provider(request: Any, case: Any) -> Any:
            from .views import panel

            return panel(request, case)

        step_taken.connect(on_step, weak=False, dispatch_uid="letters.on_step")
        panels.register("letters", provider)

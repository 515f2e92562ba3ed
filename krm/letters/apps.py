from typing import Any

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "krm.letters"
    verbose_name = "Schreiben und Vorlagen"

    def ready(self) -> None:
        from krm.cases import panels
        from krm.cases.signals import step_taken

        def on_step(**kwargs: Any) -> None:
            from .services import on_step

            on_step(**kwargs)

        def provider(request: Any, case: Any) -> Any:
            from .views import panel

            return panel(request, case)

        step_taken.connect(on_step, weak=False, dispatch_uid="letters.on_step")
        panels.register("letters", provider)

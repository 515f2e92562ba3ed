from typing import Any

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "krm.documents"
    verbose_name = "Dokumente"

    def ready(self) -> None:
        from krm.cases import panels

        def provider(request: Any, case: Any) -> Any:
            from .views import panel

            return panel(request, case)

        panels.register("documents", provider)

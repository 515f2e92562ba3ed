import datetime as dt

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "krm.retention"
    verbose_name = "Aufbewahrung und Löschung"

    def ready(self) -> None:
        from krm.worker.runner import Periodic, register_periodic

        def enqueue() -> object:
            from .tasks import daily

            return daily.enqueue()

        register_periodic(Periodic("retention", enqueue, dt.time(2, 0)))

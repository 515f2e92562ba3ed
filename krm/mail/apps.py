import datetime as dt
from typing import Any

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "krm.mail"
    verbose_name = "E-Mail (Postausgang, Benachrichtigungen)"

    def ready(self) -> None:
        from krm.cases.signals import step_taken, tasks_created
        from krm.worker.runner import Periodic, register_periodic

        def on_tasks(**kwargs: Any) -> None:
            from .notifications import on_tasks_created

            on_tasks_created(**kwargs)

        def on_step(**kwargs: Any) -> None:
            from .letters import on_step

            on_step(**kwargs)

        def flush() -> None:
            from .tasks import send_outbox

            send_outbox.enqueue()

        def digest() -> None:
            from .tasks import daily_digest

            daily_digest.enqueue()

        tasks_created.connect(on_tasks, weak=False, dispatch_uid="mail.on_tasks")
        # After letters.on_step (the letters app is installed, and so connected, first).
        step_taken.connect(on_step, weak=False, dispatch_uid="mail.on_step")
        # Retries of mail that waits (the SMTP server was down): every minute.
        register_periodic(Periodic("mail.outbox", flush, every=dt.timedelta(minutes=1)))
        register_periodic(Periodic("mail.digest", digest, dt.time(6, 30)))

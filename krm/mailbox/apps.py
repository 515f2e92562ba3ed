import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.conf import settings


class MailboxConfig(AppConfig):
    name = "krm.mailbox"
    verbose_name = "Postfach (eingehende E-Mails)"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track_all
        from krm.cases import panels
        from krm.worker.runner import Periodic, register_periodic

        from .models import Mailbox

        # Mailboxes are configuration: their changes are in the security log (never the
        # password, audit.tracking leaves it out).
        track_all(
            [
                (
                    Tracked(Mailbox, jobcenter_of=lambda box: box.jobcenter_id),
                    EventType.CONFIG_CHANGED,
                )
            ]
        )

        def poll() -> None:
            from .tasks import poll_mailboxes

            poll_mailboxes.enqueue()

        def provider(request: Any, case: Any) -> Any:
            from .views import panel

            return panel(request, case)

        register_periodic(
            Periodic(
                "mailbox.poll", poll, every=dt.timedelta(minutes=settings.KRM_MAILBOX_POLL_MINUTES)
            )
        )
        panels.register("mails", provider)

        from krm.cases.signals import personal_data_erased

        def erase(**kwargs: Any) -> None:
            from .services import erase

            erase(**kwargs)

        personal_data_erased.connect(erase, weak=False, dispatch_uid="mailbox.erase")

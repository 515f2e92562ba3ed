from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "krm.api"

    def ready(self) -> None:
        from krm.audit.models import EventType
        from krm.audit.tracking import Tracked, track

        from .models import ApiToken

        # A new API key is a new way into the account: the security log names it.
        track(
            Tracked(
                ApiToken,
                jobcenter_of=lambda t: t.user.jobcenter_id,
                subject_of=lambda t: t.user,
                created=EventType.ACCOUNT_CHANGED,
                deleted=EventType.ACCOUNT_CHANGED,
            ),
            EventType.ACCOUNT_CHANGED,
        )

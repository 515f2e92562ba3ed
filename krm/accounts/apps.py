from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "krm.accounts"
    verbose_name = "Organisation und Benutzer"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import sessions

        user_logged_in.connect(
            lambda sender, request, user, **kwargs: sessions.start(request, user),
            dispatch_uid="krm.accounts.sessions.start",
            weak=False,
        )
        _track_security_log()


def _track_security_log() -> None:
    from krm.audit.models import EventType
    from krm.audit.tracking import Tracked, track_all

    from .models import Absence, OrgUnit, RoleAssignment, User

    track_all(
        [
            (
                Tracked(
                    User,
                    jobcenter_of=lambda u: u.jobcenter_id,
                    subject_of=lambda u: u,
                    created=EventType.ACCOUNT_CREATED,
                ),
                EventType.ACCOUNT_CHANGED,
            ),
            (
                Tracked(
                    RoleAssignment,
                    jobcenter_of=lambda r: r.user.jobcenter_id,
                    subject_of=lambda r: r.user,
                    created=EventType.ROLE_GRANTED,
                    deleted=EventType.ROLE_REVOKED,
                ),
                EventType.ROLE_GRANTED,
            ),
            (
                Tracked(
                    Absence,
                    jobcenter_of=lambda a: a.user.jobcenter_id,
                    subject_of=lambda a: a.user,
                    created=EventType.ABSENCE_CHANGED,
                    deleted=EventType.ABSENCE_CHANGED,
                ),
                EventType.ABSENCE_CHANGED,
            ),
            (Tracked(OrgUnit, jobcenter_of=lambda o: o.jobcenter_id), EventType.CONFIG_CHANGED),
        ]
    )

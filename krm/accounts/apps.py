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

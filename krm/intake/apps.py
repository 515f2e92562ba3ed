from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "krm.intake"
    verbose_name = "Erfassung"

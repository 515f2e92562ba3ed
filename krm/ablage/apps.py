from django.apps import AppConfig


class AblageConfig(AppConfig):
    name = "krm.ablage"
    verbose_name = "Ablage"

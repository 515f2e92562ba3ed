from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "krm.worker"
    verbose_name = "Hintergrundaufgaben"

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "krm.audit"
    verbose_name = "Protokoll"

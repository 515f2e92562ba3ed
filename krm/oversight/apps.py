from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The logs for those who watch over krm: the DSB and the KRM-B (security log, read
    log) and the operators (`krm audit verify`)."""

    name = "krm.oversight"
    verbose_name = "Aufsicht"

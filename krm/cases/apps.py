from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "krm.cases"
    verbose_name = "Kundenreaktionen"

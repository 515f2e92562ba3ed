from django.apps import AppConfig


class JobcentersConfig(AppConfig):
    name = "krm.jobcenters"
    verbose_name = "Jobcenter"

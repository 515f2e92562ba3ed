from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("sicherheit/", views.security_log, name="security_log"),
    path("lesezugriffe/", views.read_log, name="read_log"),
]

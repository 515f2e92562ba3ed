from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("postausgang/", views.outbox, name="outbox"),
    path("postausgang/<int:mail_id>/erneut/", views.resend, name="resend"),
    path("konto/benachrichtigungen/", views.notification_settings, name="settings"),
]

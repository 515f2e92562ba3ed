from django.urls import path

from . import views

app_name = "mailbox"
urlpatterns = [
    path("postfach/", views.index, name="index"),
    path("postfach/hochladen/", views.upload, name="upload"),
    path("postfach/quarantaene/", views.quarantine, name="quarantine"),
    path("postfach/quarantaene/<int:inbound_id>/erneut/", views.retry, name="retry"),
    path(
        "postfach/quarantaene/<int:inbound_id>/uebernehmen/",
        views.register_by_hand,
        name="register",
    ),
    path("postfach/quarantaene/<int:inbound_id>/original/", views.raw, name="raw"),
]

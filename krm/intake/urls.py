from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("schnell/", views.quick_capture, name="quick_capture"),
    path("registrieren/", views.register, name="register"),
]

from django.urls import path

from . import views

app_name = "ablage"
urlpatterns = [
    path("", views.index, name="index"),
    path("faelle/<int:case_id>/", views.folder, name="folder"),
    path("faelle/<int:case_id>/akte.pdf", views.export, name="export"),
    path("faelle/<int:case_id>/e-akte/", views.hand_over, name="hand_over"),
]

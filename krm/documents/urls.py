from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("faelle/<int:case_id>/dokumente/", views.upload, name="upload"),
    path("dokumente/<int:document_id>/", views.download, name="download"),
]

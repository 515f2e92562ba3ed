from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("faelle/<int:case_id>/schreiben/", views.generate, name="generate"),
    path("schreiben/<int:letter_id>/versandt/", views.mark_sent, name="mark_sent"),
    path("vorlagen/", views.template_list, name="templates"),
    path("vorlagen/lesbarkeit/", views.readability_check, name="readability"),
    path("vorlagen/<slug:kind>/", views.template_edit, name="template_edit"),
    path("vorlagen/<slug:kind>/<int:version>/", views.template_version, name="template_version"),
]

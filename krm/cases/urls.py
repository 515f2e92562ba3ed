from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("meine/", views.my_cases, name="mine"),
    path("aufgaben/", views.my_tasks, name="tasks"),
    path("aufgaben/<int:task_id>/gelesen/", views.task_read, name="task_read"),
    path("auskunft/", views.disclosure, name="disclosure"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/bearbeiten/", views.edit, name="edit"),
    path("<int:case_id>/art/", views.correct_kind, name="correct_kind"),
    path("<int:case_id>/schritt/<slug:name>/", views.step, name="step"),
    path("<int:case_id>/verknuepfen/", views.link, name="link"),
    path("<int:case_id>/verknuepfen/vorschlaege/", views.link_suggestions, name="link_suggestions"),
    path("<int:case_id>/datenschutz/", views.privacy_steps, name="privacy"),
    path("<int:case_id>/verknuepfungen/<int:link_id>/loesen/", views.unlink, name="unlink"),
]

from django.urls import path, re_path

from . import documents, views

app_name = "api"
urlpatterns = [
    path("cases", views.CaseListCreateView.as_view(), name="cases"),
    path("cases/<int:pk>", views.CaseDetailView.as_view(), name="case"),
    path(
        "cases/<int:pk>/transitions",
        views.CaseTransitionsView.as_view(),
        name="case_transitions",
    ),
    path("cases/<int:pk>/documents", documents.CaseDocumentsView.as_view(), name="case_documents"),
    path("cases/<int:pk>/letters", documents.CaseLettersView.as_view(), name="case_letters"),
    path("documents/<int:pk>/content", documents.DocumentContentView.as_view(), name="document"),
    path("tasks", views.TaskListView.as_view(), name="tasks"),
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
    # Everything else under /api/v1/ answers in JSON too, never with an HTML page.
    re_path(r"", views.not_found),
]

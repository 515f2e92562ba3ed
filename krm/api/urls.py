from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("cases", views.CaseListCreateView.as_view(), name="cases"),
    path("cases/<int:pk>", views.CaseDetailView.as_view(), name="case"),
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
]

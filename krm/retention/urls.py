from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("", views.index, name="index"),
    path("anbietungen/<int:offer_id>/", views.offer_detail, name="offer"),
    path("anbietungen/<int:offer_id>/entscheidung/", views.decide, name="decide"),
    path("anbietungen/<int:offer_id>/liste.<str:fmt>", views.offer_list, name="offer_list"),
    path("pakete/<int:package_id>/", views.package, name="package"),
]

"""The Django admin never shows cases (no case contents for the technical administration);
the Jobcenter's configuration (topics, file plan, Vorlagepflichten) lives in
`krm.jobcenters.admin` and here."""

from django.contrib import admin

from .models import PresentationCriterion


@admin.register(PresentationCriterion)
class PresentationCriterionAdmin(admin.ModelAdmin):
    """Anlage 2: which e-mail and online reactions go to the GF before the Bereich."""

    list_display = ["label", "kind", "topic", "bereich", "sender_type", "is_active", "jobcenter"]
    list_filter = ["jobcenter", "is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the record of what applied stays

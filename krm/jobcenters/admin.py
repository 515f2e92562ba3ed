from django.contrib import admin

from .models import ClosureDay, FilePlanEntry, Jobcenter, Topic
from .signals import calendar_changed


def _recompute(model_admin, request, jobcenter: Jobcenter, reason: str) -> None:
    # Whoever keeps deadlines (the cases) recomputes them and says how many changed.
    answers = calendar_changed.send(
        sender=Jobcenter, jobcenter=jobcenter, actor=request.user, reason=reason
    )
    changed = sum(count or 0 for _receiver, count in answers)
    if changed:
        model_admin.message_user(
            request, f"Die Fristen von {changed} offenen Fällen wurden neu berechnet."
        )


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 1


@admin.register(Jobcenter)
class JobcenterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "acknowledgement_workdays", "completion_workdays"]
    inlines = [ClosureDayInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a Jobcenter's cases and people stay; nothing to delete here

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Deadline lengths or closure days may have changed: open cases follow (R-Q6).
        _recompute(self, request, form.instance, "Fristlängen oder Schließtage geändert")


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "reason", "jobcenter"]
    list_filter = ["jobcenter"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _recompute(self, request, obj.jobcenter, f"Schließtag {obj.date:%d.%m.%Y}")

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        _recompute(self, request, obj.jobcenter, f"Schließtag {obj.date:%d.%m.%Y} entfernt")

    def delete_queryset(self, request, queryset) -> None:
        jobcenters = {day.jobcenter for day in queryset.select_related("jobcenter")}
        super().delete_queryset(request, queryset)
        for jobcenter in jobcenters:
            _recompute(self, request, jobcenter, "Schließtage entfernt")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "is_active", "jobcenter"]
    list_filter = ["jobcenter", "is_active"]
    search_fields = ["code", "label"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them


@admin.register(FilePlanEntry)
class FilePlanEntryAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "kinds", "is_default", "jobcenter"]
    list_filter = ["jobcenter"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them

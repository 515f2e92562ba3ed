"""Configuration data only: the Django admin never shows cases (no case contents for the
technical administration)."""

from django.contrib import admin

from .models import FilePlanEntry, Topic


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

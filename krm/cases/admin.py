"""Configuration data only: the Django admin never shows cases (no case contents for the
technical administration)."""

from django.contrib import admin

from .models import FilePlanEntry, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "is_active", "jobcenter"]
    list_filter = ["jobcenter", "is_active"]
    search_fields = ["code", "label"]


@admin.register(FilePlanEntry)
class FilePlanEntryAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "kinds", "is_default", "jobcenter"]
    list_filter = ["jobcenter"]

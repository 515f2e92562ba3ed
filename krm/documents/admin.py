from __future__ import annotations

from django.contrib import admin

from krm.lib.admin import ReadOnlyForStaff

from .models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyForStaff, admin.ModelAdmin):
    """For the technical administration: what is stored and whether its text was read —
    never the file or its text (those are case contents)."""

    list_display = ["id", "kind", "content_type", "size", "text_status", "created_at"]
    list_filter = ["text_status", "kind", "content_type"]
    fields = ["kind", "content_type", "size", "sha256", "version", "text_status", "created_at"]
    readonly_fields = fields

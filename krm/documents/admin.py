from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """For the technical administration: what is stored and whether its text was read —
    never the file or its text (those are case contents)."""

    list_display = ["id", "kind", "content_type", "size", "text_status", "created_at"]
    list_filter = ["text_status", "kind", "content_type"]
    fields = ["kind", "content_type", "size", "sha256", "version", "text_status", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

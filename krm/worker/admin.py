"""The background tasks for the administration: what ran, what failed and why (read only).
Task arguments are ids, never case contents."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from krm.lib.admin import ReadOnlyForStaff

from .models import Worker

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "task_name",
        "status",
        "attempts",
        "enqueued_at",
        "finished_at",
        "exception_class_path",
    )

    @admin.display(description="Versuche")
    def attempts(self, obj: DBTaskResult) -> int:
        return len(obj.worker_ids)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(Worker)
class WorkerAdmin(ReadOnlyForStaff, admin.ModelAdmin):
    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]

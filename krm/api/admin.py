from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False  # keys are issued with `krm create-api-token`, which shows them once

    def has_change_permission(self, request, obj=None):
        return False  # a key stays with its user; revoking (deleting) is all one may do

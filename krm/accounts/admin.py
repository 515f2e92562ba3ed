from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Absence, OrgUnit, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Jobcenter", {"fields": ("jobcenter", "home_unit")}),
    )
    list_display = ["username", "first_name", "last_name", "jobcenter", "home_unit", "is_active"]
    list_filter = ["jobcenter", "is_active", "is_staff", "role_assignments__role"]
    list_select_related = ["jobcenter", "home_unit"]
    inlines = [RoleAssignmentInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "lgf_responsible", "is_active", "jobcenter"]
    list_filter = ["jobcenter", "level", "lgf_responsible", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "jobcenter"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: cases refer to it, and deleting would show them


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["user", "start", "end", "deputy", "note"]
    list_select_related = ["user", "deputy"]
    date_hierarchy = "start"

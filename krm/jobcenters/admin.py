from django.contrib import admin

from .models import ClosureDay, Jobcenter


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 1


@admin.register(Jobcenter)
class JobcenterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "acknowledgement_workdays", "completion_workdays"]
    inlines = [ClosureDayInline]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "reason", "jobcenter"]
    list_filter = ["jobcenter"]
    date_hierarchy = "date"

"""What the Jobcenter's configuration tells the rest of krm, without knowing who listens."""

from django.dispatch import Signal

# Deadline lengths or closure days changed (R-Q6): keyword arguments jobcenter, actor,
# reason; a receiver returns how many cases it changed.
calendar_changed = Signal()

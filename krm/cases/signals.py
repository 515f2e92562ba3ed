"""Signals of the cases app for the apps built on it (documents, letters, mail)."""

from django.dispatch import Signal

# Sent inside the step's transaction, after the step is recorded: case, step (name), actor,
# data (the step's cleaned fields). A receiver that raises undoes the step.
step_taken = Signal()

# Sent inside the transaction that created them: case, tasks (the new Task rows, saved),
# actor (None when krm itself registered the case, e.g. from a mailbox). The mail app tells
# each task's holder (R-W2.2, W2.5, W3.2).
tasks_created = Signal()

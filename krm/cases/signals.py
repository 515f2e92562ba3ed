"""Signals of the cases app for the apps built on it (documents, letters)."""

from django.dispatch import Signal

# Sent inside the step's transaction, after the step is recorded: case, step (name), actor,
# data (the step's cleaned fields). A receiver that raises undoes the step.
step_taken = Signal()

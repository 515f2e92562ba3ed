"""Signals of the cases app for the apps built on it (documents, letters, mail)."""

from django.dispatch import Signal

# Sent inside the step's transaction, after the step is recorded: case, step (name), actor,
# data (the step's cleaned fields). A receiver that raises undoes the step.
step_taken = Signal()

# Sent inside the transaction that created them: case, tasks (the new Task rows, saved),
# actor (None when krm itself registered the case, e.g. from a mailbox). The mail app tells
# each task's holder (R-W2.2, W2.5, W3.2).
tasks_created = Signal()

# Sent inside the transaction of an erasure (Art. 17 DSGVO): case, fields (as privacy.ERASABLE
# names them). Apps that keep copies of the case's personal data (the mailbox: a mail's text,
# subject and sender) erase theirs.
personal_data_erased = Signal()

"""Stopping a step for a reason that is not a bug: the reason, one line, and no Python stack.

A rejected file or a refused send is a handled error: the analyst needs the sentence, not our
frames. ``dg.Failure`` always carries the stack of where it was raised, and the UI prints it under
the reason ("Stack Trace: …"); so does any exception raised in a step, since Python adds each frame
it passes through. Dagster shows an error with an empty stack without one: the error a user-code
process sends back is reported as it was serialized (``DagsterUserCodeProcessError``, hoisted by
``serializable_error_info_from_exc_info``), so ``stopped`` builds that error with our sentence and
no frames. Being a ``DagsterError`` it also passes the op retry policy by (the framework's user
code boundary re-raises DagsterErrors as they are): a step that cannot pass is never run again.

These two names are internal to Dagster (pinned in ``requirements.lock``);
``tests/test_pipeline.py::test_bad_required_file_fails_with_one_line`` reads the failure back
from the event log and fails if the stack, a retry or the sentence changes with an upgrade.
"""
from __future__ import annotations

from dagster._core.errors import DagsterUserCodeProcessError
from dagster._utils.error import SerializableErrorInfo

STOPPED = "Stopped"
"""The error's class name in the event log: how ``scorecards run`` recognises a handled stop."""


def stopped(reason: str) -> DagsterUserCodeProcessError:
    """The exception to raise to stop the step with ``reason`` and nothing else."""
    return DagsterUserCodeProcessError.from_error_info(
        SerializableErrorInfo(message=reason, stack=[], cls_name=STOPPED))

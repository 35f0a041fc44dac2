"""Progress bars for the engine's ``progress(done, total, name)`` calls, which always finish.

The engine reports each step as it starts it (``done`` steps are behind it), so the last call it
makes says ``total - 1``. A step counts as done whatever came of it (OK, stale or failed); when
the work returns, the bar is filled.
"""

from __future__ import annotations

from contextlib import contextmanager

from addin.cli_text import shown


class Steps:
    """The callback handed to the engine, bound to one task of a rich ``Progress``."""

    def __init__(self, progress, task) -> None:
        self.progress, self.task = progress, task

    def __call__(self, done: int, total: int, name: str) -> None:
        self.progress.update(self.task, total=total, completed=done, description=shown(name, 40))

    def describe(self, text: str) -> None:
        """Say what is happening now without counting a step (a download inside a step)."""
        self.progress.update(self.task, description=shown(text, 40))

    def finish(self) -> None:
        """Every step done: the bar at its end (a run with no steps shows one, done)."""
        total = self.state.total or 1
        self.progress.update(self.task, total=total, completed=total)

    @property
    def state(self):
        """The rich task (``completed``, ``total``), for whoever wants to check."""
        return next(task for task in self.progress.tasks if task.id == self.task)


@contextmanager
def steps(console, title: str, transient: bool = False):
    """A bar on ``console`` for the duration of the block; yields its :class:`Steps`."""
    from rich.progress import Progress

    with Progress(console=console, transient=transient) as progress:
        counter = Steps(progress, progress.add_task(title, total=None))
        yield counter
        counter.finish()

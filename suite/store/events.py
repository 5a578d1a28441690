"""TensorBoard event files written with plain Python files: TensorBoard's protos and record
format, without its writer (which imports TensorFlow for its file system layer). Used by the
export of stored trials (``suite.reporting.tensorboard_export``) and by live tracking
(``suite.execution.tracking``)."""
from __future__ import annotations

import itertools
import os
import socket
import time

from tensorboard.compat.proto import event_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

_FILE_NUMBER = itertools.count()


class EventFileWriter:
    """One TensorBoard event file in ``logdir`` (its name as TensorBoard's own writer makes it),
    written synchronously: a failure is an OSError naming the file, raised where it happens."""

    def __init__(self, logdir: str):
        os.makedirs(logdir, exist_ok=True)
        self.path = os.path.join(logdir, f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                                         f"{os.getpid()}.{next(_FILE_NUMBER)}")
        self._records = RecordWriter(open(self.path, "wb"))
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def add_event(self, event) -> None:
        try:
            self._records.write(event.SerializeToString())
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.path) from None

    def flush(self) -> None:
        try:
            self._records.flush()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.path) from None

    def close(self) -> None:
        try:
            self._records.close()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.path) from None

"""Writing files and JSON documents: one atomic writer, one strict JSON encoder.

Every command that writes a file goes through :func:`write_atomic` (one file)
or :func:`write_files` (several files into one folder, all or none): the data
goes to a temporary file in the destination's folder, is flushed and
``fsync``-ed, and is renamed over the destination with :func:`os.replace`, so
a reader sees the old file or the new one, never half of one. The final file
has the mode a plain ``open(path, "w")`` would give a new file (``0o666``
less the umask); a failure removes the temporary file.

Failures raise :class:`WriteError`, an :class:`OSError` whose ``filename`` is
the destination and whose ``strerror`` says what is wrong (a directory in the
way, a missing folder, no permission); ``relief`` prints it as
``error: <path>: <reason>`` and exits with code 2.

Every JSON document the project prints or writes goes through
:func:`dumps_json`, which turns non-finite floats into ``null`` so that the
output parses with a strict parser (one that refuses ``NaN`` and
``Infinity``).
"""

from __future__ import annotations

import errno
import json
import math
import os
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "WriteError",
    "check_writable",
    "dumps_json",
    "ensure_folder",
    "strict_loads",
    "to_json_safe",
    "write_atomic",
    "write_files",
]

FILE_MODE = 0o666
"""Mode requested for new files; the process umask is taken off it, as by ``open``."""


class WriteError(OSError):
    """A file could not be written.

    Constructed as ``WriteError(errno, reason, path)``: ``filename`` is the
    destination and ``strerror`` the reason; ``str()`` is ``"<path>: <reason>"``.
    """

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def check_writable(path: str | Path) -> Path:
    """Check, before any work is done, that a file can be written at ``path``.

    Commands call this on their output paths up front, so that a typo in
    ``--out`` fails at once rather than after a long solve.

    Parameters
    ----------
    path : str or Path
        A file to be written (it may exist; it is replaced).

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    WriteError
        ``path`` is a directory, its folder is missing or not a directory, or
        the folder is not writable.
    """
    dest = Path(path)
    _check_destination(dest)
    if not os.access(dest.parent, os.W_OK | os.X_OK):
        raise WriteError(errno.EACCES, "cannot be written (Permission denied)", str(dest))
    return dest


def _check_destination(dest: Path) -> None:
    """Raise :class:`WriteError` when ``dest`` cannot be a file in an existing folder."""
    folder = dest.parent
    if dest.is_dir():
        raise WriteError(errno.EISDIR, "cannot be written: it is a directory", str(dest))
    if not folder.exists():
        raise WriteError(
            errno.ENOENT, f"cannot be written: folder {folder} does not exist", str(dest)
        )
    if not folder.is_dir():
        raise WriteError(
            errno.ENOTDIR, f"cannot be written: {folder} is not a directory", str(dest)
        )


def _as_write_error(exc: OSError, dest: Path) -> WriteError:
    if isinstance(exc, WriteError):
        return exc
    reason = exc.strerror or str(exc)
    return WriteError(exc.errno or errno.EIO, f"cannot be written ({reason})", str(dest))


def _write_temp(dest: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``dest``, fsync it, return its path."""
    while True:
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:  # pragma: no cover - a 48-bit random name collided
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a rename to disk (best effort: not every OS allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def _encode(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` atomically: all of it or, on failure, nothing.

    The content goes to a temporary file in the same folder, is fsync-ed and
    renamed over ``path``. The file gets mode ``0o666`` less the umask, as a
    new file written with ``open`` would; the temporary file is removed on any
    failure (including ``KeyboardInterrupt``).

    Parameters
    ----------
    path : str or Path
        Destination file; its folder must exist.
    content : str or bytes
        Text (written as UTF-8) or bytes.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    WriteError
        ``path`` is a directory, its folder is missing or not a directory, or
        the folder is not writable (``filename`` is ``path``).
    """
    dest = Path(path)
    _check_destination(dest)
    data = _encode(content)
    try:
        tmp = _write_temp(dest, data)
        try:
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _as_write_error(exc, dest) from None
    _sync_folder(dest.parent)
    return dest


def ensure_folder(folder: str | Path) -> Path:
    """Create the output folder ``folder`` (and its parents) unless it exists.

    Parameters
    ----------
    folder : str or Path
        The folder.

    Returns
    -------
    Path
        ``folder`` as a :class:`~pathlib.Path`.

    Raises
    ------
    WriteError
        A file is in the way, or a parent is not writable.
    """
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError):
            reason = "a file of that name is in the way"
        raise WriteError(
            exc.errno or errno.EIO, f"cannot be written as a folder ({reason})", str(out)
        ) from None
    return out


def write_files(folder: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write several files into ``folder`` (created if missing), all of them or none.

    Every file is first written to a temporary name in ``folder``; only when
    all are written are they renamed into place, so a failure while writing
    leaves the folder's earlier files untouched and no temporary behind.

    Parameters
    ----------
    folder : str or Path
        Output folder; created, with its parents, when missing.
    files : Mapping[str, str or bytes]
        File name (inside ``folder``) -> text (UTF-8) or bytes.

    Returns
    -------
    list of Path
        The written files, in the order of ``files``.

    Raises
    ------
    WriteError
        ``folder`` cannot be created (a file is in the way, no permission) or
        one of the files cannot be written (``filename`` names the culprit).
    """
    out = ensure_folder(folder)
    temps: list[tuple[Path, Path]] = []
    current = out
    try:
        for name, content in files.items():
            current = out / name
            _check_destination(current)
            temps.append((_write_temp(current, _encode(content)), current))
        for tmp, dest in temps:
            current = dest
            os.replace(tmp, dest)
    except BaseException as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _as_write_error(exc, current) from None
        raise
    _sync_folder(out)
    return [dest for _, dest in temps]


def to_json_safe(obj: Any) -> Any:
    """Return ``obj`` with every non-finite float replaced by ``None``, recursively.

    Dicts, lists and tuples are rebuilt (tuples as lists); numpy scalars and
    arrays become Python numbers and lists first. Anything else is returned
    unchanged for :func:`json.dumps` to encode (or refuse).

    Parameters
    ----------
    obj : Any
        A JSON-like value.

    Returns
    -------
    Any
        The same value with ``NaN``, ``inf`` and ``-inf`` as ``None``.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: to_json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json_safe(v) for v in obj]
    if isinstance(obj, str | int | bool) or obj is None:
        return obj
    tolist = getattr(obj, "tolist", None)  # numpy scalars (-> Python number) and arrays
    if callable(tolist) and type(obj).__module__ == "numpy":
        return to_json_safe(tolist())
    return obj


def dumps_json(obj: Any, **kw: Any) -> str:
    """Serialise ``obj`` to strict JSON: non-finite floats become ``null``.

    The result always parses with a parser that refuses ``NaN`` and
    ``Infinity`` (see :func:`strict_loads`). Where a number is undefined the
    producer of ``obj`` should say why in a neighbouring field.

    Parameters
    ----------
    obj : Any
        The document (dicts, lists, numbers, numpy scalars/arrays, ...).
    **kw
        Passed to :func:`json.dumps` (``indent``, ``sort_keys``,
        ``default``, ...); ``allow_nan`` is always ``False``. What
        ``default`` returns is made JSON-safe too.

    Returns
    -------
    str
        The JSON text.
    """
    kw.pop("allow_nan", None)
    try:  # fast path: most documents hold no non-finite float
        return json.dumps(obj, allow_nan=False, **kw)
    except (ValueError, TypeError):
        pass
    default: Callable[[Any], Any] | None = kw.pop("default", None)
    if default is not None:
        user_default = default
        kw["default"] = lambda o: to_json_safe(user_default(o))
    else:
        kw["default"] = _numpy_default
    return json.dumps(to_json_safe(obj), allow_nan=False, **kw)


def _numpy_default(obj: Any) -> Any:
    tolist = getattr(obj, "tolist", None)
    if callable(tolist) and type(obj).__module__ == "numpy":
        return to_json_safe(tolist())
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def strict_loads(text: str | bytes) -> Any:
    """Parse JSON text, refusing the ``NaN``, ``Infinity`` and ``-Infinity`` extensions.

    Parameters
    ----------
    text : str or bytes
        JSON text.

    Returns
    -------
    Any
        The parsed document.

    Raises
    ------
    ValueError
        The text is not strict JSON.
    """
    return json.loads(text, parse_constant=_refuse_constant)

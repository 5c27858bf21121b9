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

import contextlib
import errno
import json
import math
import os
import shutil
import signal
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "Terminated",
    "WriteError",
    "check_replaceable_folder",
    "check_writable",
    "dumps_json",
    "ensure_folder",
    "replace_folder",
    "sigterm_as_interrupt",
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
    if _special(dest):  # written through, so the device's permission counts, not the folder's
        if not os.access(dest, os.W_OK):
            raise WriteError(errno.EACCES, "cannot be written (Permission denied)", str(dest))
        return dest
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


def _special(dest: Path) -> bool:
    """Whether ``dest`` exists and is not a regular file (a device, a FIFO, a socket)."""
    try:
        mode = os.stat(dest).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_through(dest: Path, data: bytes) -> None:
    """Write ``data`` into an existing special file (``/dev/null``, a FIFO, a terminal)."""
    mode = os.stat(dest).st_mode
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise WriteError(
            errno.EINVAL,
            "cannot be written: it is a special file (not a regular file, character device "
            "or pipe) and is never replaced",
            str(dest),
        )
    fd = os.open(dest, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


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
    failure (including ``KeyboardInterrupt``).  A character device or a pipe
    (``/dev/null``, ``/dev/stdout``, a FIFO) is written through, never renamed
    over; other special files (sockets) are refused.

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
    if _special(dest):
        try:
            _write_through(dest, data)
        except OSError as exc:
            raise _as_write_error(exc, dest) from None
        return dest
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
            if _special(current):
                raise WriteError(
                    errno.EINVAL, "cannot be written: a special file is in the way", str(current)
                )
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


def check_replaceable_folder(folder: str | Path, names: Iterable[str]) -> Path:
    """Check, before any work, that :func:`replace_folder` may replace ``folder``.

    Parameters
    ----------
    folder : str or Path
        The output folder: missing, or a folder holding only files named in ``names``.
    names : iterable of str
        The files that make up the folder's content (e.g. a report's three files).

    Returns
    -------
    Path
        ``folder`` as a :class:`~pathlib.Path`.

    Raises
    ------
    WriteError
        A file is in the way, or the folder holds other entries (which a
        whole-folder swap would remove), or its parent is not a writable folder.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise WriteError(
            errno.EEXIST,
            "cannot be written as a folder (a file of that name is in the way)",
            str(out),
        )
    if out.is_dir():
        allowed = set(names)
        foreign = sorted(e.name for e in out.iterdir() if e.name not in allowed)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise WriteError(
                errno.ENOTEMPTY,
                f"cannot be replaced: it holds {shown} besides {', '.join(sorted(allowed))}; "
                "the folder is replaced as a whole, so give a folder of its own (new, empty, "
                "or written by the same command)",
                str(out),
            )
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise WriteError(
            errno.ENOTDIR, f"cannot be written as a folder ({parent} is not a directory)", str(out)
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise WriteError(
            errno.EACCES, f"cannot be written as a folder ({parent}: Permission denied)", str(out)
        )
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` where unsupported."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - not Linux / old libc
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # pragma: no cover - e.g. NFS
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_folder(folder: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Replace ``folder`` by a folder holding exactly ``files``, all at once or not at all.

    The files are written (and fsync-ed) into a new temporary sibling folder,
    which then takes ``folder``'s place in one atomic swap (Linux
    ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, undone on failure);
    the old content is removed afterwards.  A reader sees the old set of files
    or the new one, never a mix; on any failure (including ``KeyboardInterrupt``)
    ``folder`` is as it was and no temporary is left behind.

    Parameters
    ----------
    folder : str or Path
        Output folder; created with its parents when missing.  An existing
        folder may hold only files named in ``files`` (see
        :func:`check_replaceable_folder`).
    files : Mapping[str, str or bytes]
        File name -> text (UTF-8) or bytes.

    Returns
    -------
    list of Path
        The written files, in the order of ``files``.

    Raises
    ------
    WriteError
        ``folder`` cannot be replaced or written (``filename`` names it).
    """
    out = check_replaceable_folder(folder, files)
    parent = ensure_folder(out.parent)
    tmp = parent / f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    old = parent / f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.old"
    swapped = False
    try:
        os.mkdir(tmp)
        for name, content in files.items():
            fd = os.open(tmp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_encode(content))
                fh.flush()
                os.fsync(fh.fileno())
        _sync_folder(tmp)
        if out.is_dir():
            os.chmod(tmp, stat.S_IMODE(os.stat(out).st_mode))
            if _exchange(tmp, out):
                swapped = True  # tmp now holds the old content
            else:  # pragma: no cover - no atomic exchange on this system
                os.rename(out, old)
                try:
                    os.rename(tmp, out)
                except BaseException:
                    os.rename(old, out)
                    raise
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
        _sync_folder(parent)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _as_write_error(exc, out) from None
        raise
    if swapped:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / name for name in files]


class Terminated(KeyboardInterrupt):
    """A SIGTERM within :func:`sigterm_as_interrupt`: handled wherever Ctrl-C is."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, turn SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``).

    So ``kill PID`` unwinds like an interrupt: ``finally`` blocks and context
    managers run, temporary files are removed, stores are closed.  Outside the
    main thread (where no handler can be set) it does nothing.

    The subclass matters: CPython 3.11 marks a bare ``KeyboardInterrupt`` that
    leaves code run by ``exec`` of a string (``dataclasses`` and ``namedtuple``
    build their methods that way, so any import can be the place) as unhandled,
    even when the command catches it later, and then ends the process by
    SIGINT instead of with its exit code. The mark is set for the exact class
    only, so a subclass keeps the command's exit code (130).

    Yields
    ------
    None
    """

    def handler(signum: int, frame: Any) -> None:
        raise Terminated(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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

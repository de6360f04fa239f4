"""Files and folders written whole: the one home of "write beside, then rename into place".

A crash, a failed check or a full disk while writing leaves the previous file or folder (or
none) at the path, never half of one, and a reader (TF Serving scanning a model folder, the
next run loading a cache) never sees a partial write:

    write_whole(path, write)       write(staging) beside `path`, then os.replace(staging, path)
    replace_folder(staging, path)  a finished folder moved onto `path` with two renames

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_whole(path, lambda staging: staging.write_text("done")).read_text()
    'done'
"""

import os
import pathlib
import shutil
import tempfile


def write_whole(path, write):
    """``write(staging)`` to a file beside `path` (same folder and suffix, so ``model.save``
    accepts it), then renamed onto `path`; returns `path`."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return path


def replace_folder(staging, path):
    """Move the finished folder `staging` (on the same file system) onto `path`, replacing a
    folder there: two renames, the old one deleted after."""
    staging, path = pathlib.Path(staging), pathlib.Path(path)
    if not path.exists():
        os.replace(staging, path)
        return path
    old = pathlib.Path(tempfile.mkdtemp(prefix=f".{path.name}-replaced-", dir=path.parent))
    os.replace(path, old / path.name)
    os.replace(staging, path)
    shutil.rmtree(old, ignore_errors=True)
    return path

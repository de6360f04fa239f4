"""Argument checks that fail early with one clear message.

Every check raises ``ValueError`` naming the argument, what was received and what was
expected, before any work starts::

    >>> check_positive_int("epochs", 0)
    Traceback (most recent call last):
    ...
    ValueError: `epochs` must be a positive integer; received 0.
"""

import numbers
import os
import pathlib

import numpy as np


def fail(name, received, expected):
    """Raise the library's standard ``ValueError`` for argument ``name``."""
    raise ValueError(f"`{name}` must be {expected}; received {received}.")


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        fail(name, repr(value), "a positive integer")
    return int(value)


def check_odd_int(name, value, reason="an odd size"):
    """A positive odd integer (kernel sizes with a centre)."""
    if check_positive_int(name, value) % 2 == 0:
        fail(name, repr(value), reason)
    return int(value)


def check_non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        fail(name, repr(value), "a non-negative integer")
    return int(value)


def check_positive_float(name, value):
    """A positive finite real number (NaN and infinity are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 \
            or not np.isfinite(value):
        fail(name, repr(value), "a positive finite number")
    return float(value)


def check_non_negative_float(name, value):
    """A finite real number >= 0 (weights of loss terms, penalties)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0 <= value < float("inf"):
        fail(name, repr(value), "a finite non-negative number")
    return float(value)


def check_finite_float(name, value):
    """Any finite real number (a Python or NumPy number, or a scalar tensor)."""
    try:
        ok = not isinstance(value, (bool, str, bytes)) and value is not None
        number = float(value) if ok else None
    except (TypeError, ValueError):
        number = None
    if number is None or not np.isfinite(number):
        fail(name, repr(value), "a finite number")
    return number


def check_int(name, value, allow_none=False):
    """An integer (seeds); None too when `allow_none`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, repr(value), "an integer or None" if allow_none else "an integer")
    return int(value)


def check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        fail(name, repr(value), "True or False")
    return bool(value)


def describe(value):
    """A short description of an array-like value for error messages: its shape, or its
    type when it has none."""
    try:
        return f"shape {np.shape(value)}"
    except (ValueError, TypeError):
        return f"a {type(value).__name__}"


def check_codes(name, value, width):
    """Real vectors ``[N, width]`` (latent codes, generator noise) as float32, N >= 1, finite;
    otherwise the standard error naming `name`."""
    expected = f"real {name} of shape [N, {width}], N >= 1"
    array = as_array(name, value, expected)
    if array.ndim != 2 or array.shape[1] != width or not len(array):
        fail(name, f"an array of shape {array.shape}", expected)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(name, f"an array of dtype {array.dtype}", expected)
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        fail(name, "NaN or infinite values", "finite values")
    return array


def as_array(name, value, expected):
    """``np.asarray(value)``, or the standard error naming `name` when the value is None, is
    ragged (nested lists of unequal lengths) or is no array at all."""
    if value is None:
        fail(name, "None", expected)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        fail(name, f"a value NumPy cannot make an array of ({error})", expected)
    if array.dtype == object:
        fail(name, f"an array of Python objects of shape {array.shape}", expected)
    return array


def check_probability(name, value, inclusive_high=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and 0.0 <= value and (value <= 1.0 if inclusive_high else value < 1.0)
    if not ok:
        bound = "[0, 1]" if inclusive_high else "[0, 1)"
        fail(name, repr(value), f"a number in {bound}")
    return float(value)


def check_choice(name, value, choices):
    if value not in choices:
        fail(name, repr(value), "one of " + ", ".join(repr(c) for c in choices))
    return value


def check_image_shape(name, shape):
    """A shape ``(height, width, channels)`` of positive integers."""
    expected = "a (height, width, channels) tuple of positive integers"
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 3:
        fail(name, repr(shape), expected)
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
               for s in shape):
        fail(name, repr(shape), expected)
    return tuple(int(s) for s in shape)


def check_int_list(name, values, allow_empty=True):
    try:
        values = tuple(values)
    except TypeError:
        fail(name, repr(values), "a list of positive integers")
    if (not values and not allow_empty) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in values
    ):
        fail(name, repr(values), "a list of positive integers")
    return tuple(int(v) for v in values)


def check_images(name, images, image_shape, num_levels, integers=False):
    """Check a batch of images ``[N, H, W, C]`` in ``[0, num_levels - 1]`` (whole numbers
    when `integers`: models with a discrete likelihood over the levels).

    Works on NumPy arrays and eager tensors; returns a float32 NumPy array.
    """
    array = as_array(name, images, f"a batch of images of shape [N, "
                     f"{', '.join(map(str, image_shape))}]")
    if array.ndim != 4 or tuple(array.shape[1:]) != tuple(image_shape):
        fail(name, f"an array of shape {array.shape}",
             f"a batch of images of shape [N, {', '.join(map(str, image_shape))}]")
    if array.shape[0] == 0:
        fail(name, "an empty batch", "at least one image")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        fail(name, f"dtype {array.dtype}", "an integer or float dtype")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        fail(name, "values that are NaN or infinite", "finite pixel values")
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > num_levels - 1:
        fail(name, f"values in [{low:g}, {high:g}]", f"pixel values in [0, {num_levels - 1}]")
    if integers and not np.array_equal(array, np.round(array)):
        fail(name, "non-integer pixel values",
             f"whole-number levels 0..{num_levels - 1} (this model's likelihood is discrete)")
    return array


def check_labels(name, labels, num_classes, count=None):
    """Integer class labels ``[N]`` in ``[0, num_classes)``; returns an int32 array."""
    array = as_array(name, labels, "a vector of integer class labels")
    if array.ndim != 1:
        fail(name, f"an array of shape {array.shape}", "a vector of integer class labels")
    if count is not None and array.shape[0] != count:
        fail(name, f"{array.shape[0]} labels", f"{count} labels, one per example")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(name, f"an array of dtype {array.dtype}", "integer class labels")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            fail(name, f"non-integer values of dtype {array.dtype}", "integer class labels")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        fail(name, f"labels in [{array.min()}, {array.max()}]", f"labels in [0, {num_classes - 1}]")
    return array.astype(np.int32)


def check_condition_maps(name, maps, condition_shape, count=None):
    """Finite real condition maps ``[N, *condition_shape]``; returns a float32 array."""
    expected = f"{count if count is not None else 'N'} condition maps of shape " \
        f"{tuple(condition_shape)}"
    if maps is None:
        fail(name, "None", expected + ": this model is conditional on a map per image")
    array = as_array(name, maps, expected)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(name, f"an array of dtype {array.dtype}", expected)
    if array.ndim != len(condition_shape) + 1 or tuple(array.shape[1:]) != \
            tuple(condition_shape):
        fail(name, f"an array of shape {array.shape}", expected)
    if count is not None and array.shape[0] != count:
        fail(name, f"{array.shape[0]} condition maps", expected)
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        fail(name, "non-finite values (NaN or inf)", "finite condition maps")
    return array


def check_output_path(name, path, kind="file"):
    """A path to write a ``kind`` (``"file"`` or ``"folder"``) at: a str or ``os.PathLike``
    that is not an existing entry of the other kind and has no existing file among its
    parent folders. Returns a ``pathlib.Path``."""
    expected = f"the path of a {kind} to write"
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)) or not str(path):
        fail(name, repr(path), expected)
    path = pathlib.Path(os.path.expanduser(os.fspath(path)))
    if kind == "file" and path.is_dir():
        fail(name, f"{str(path)!r}, which is a folder", expected)
    if kind == "folder" and path.exists() and not path.is_dir():
        fail(name, f"{str(path)!r}, which is a file", expected)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                fail(name, f"{str(path)!r}, inside {str(parent)!r}, which is a file", expected)
            break
    return path


def check_folder_name(name, value, expected="one folder name (no '/')"):
    """A name for one folder inside another (a run or model name): a non-empty str without
    path separators, not "." or ".."."""
    if not isinstance(value, str) or not value or value in (".", "..") or "/" in value \
            or os.sep in value:
        fail(name, repr(value), expected)
    return value


def check_existing_path(name, path, kind="file", holding=None):
    """An existing ``kind`` (``"file"`` or ``"folder"``); a folder must hold the relative
    path `holding` when given. Returns a ``pathlib.Path``."""
    expected = f"an existing {kind}" + (f" holding {holding}" if holding else "")
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)) or not str(path):
        fail(name, repr(path), expected)
    path = pathlib.Path(os.path.expanduser(os.fspath(path)))
    if not path.exists():
        fail(name, f"{str(path)!r}, which does not exist", expected)
    if kind == "file" and not path.is_file():
        fail(name, f"{str(path)!r}, which is a folder", expected)
    if kind == "folder" and not path.is_dir():
        fail(name, f"{str(path)!r}, which is a file", expected)
    if holding and not (path / holding).exists():
        fail(name, f"{str(path)!r}, which has no {holding}", expected)
    return path

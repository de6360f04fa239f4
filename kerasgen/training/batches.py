"""What ``fit`` yields, taken apart the same way by every training style and by
`GenerativeModel.fit`'s checks."""


def unpack(data):
    """``(images, labels)`` from what ``fit`` yields: ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if isinstance(data, (tuple, list)):
        return data[0], (data[1] if len(data) > 1 else None)
    return data, None

"""Image grids as PNG files.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> images = np.full([6, 8, 8, 1], 16)  # six white 8x8 images, levels 0..16
    >>> grid = make_grid(images, num_levels=17, columns=3)
    >>> grid.shape, grid.dtype  # 2 rows x 3 columns of 8x8, with 1-pixel borders
    ((19, 28), dtype('uint8'))
    >>> int(grid[0, 0]), int(grid[1, 1])  # a border pixel, level 16 scaled to 255
    (0, 255)
    >>> path = save_image_grid(images, os.path.join(tempfile.mkdtemp(), "grid.png"),
    ...                        num_levels=17, columns=3)
    >>> path.name, Image.open(path).size  # upscaled 4 times: (width, height)
    ('grid.png', (112, 76))
"""

import math
import pathlib

import numpy as np


def make_grid(images, num_levels, columns=None, padding=1):
    """Tile images ``[N, H, W, C]`` in ``[0, L-1]`` into one uint8 array (C = 1 gives 2-D)."""
    images = np.asarray(images, dtype=np.float32)
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    scaled = np.clip(images / (num_levels - 1) * 255.0, 0, 255).round().astype(np.uint8)
    grid = np.zeros([rows * (h + padding) + padding, columns * (w + padding) + padding, c],
                    np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = scaled[i]
    return grid[..., 0] if c == 1 else grid


def save_png(array, path, upscale=1):
    """Write a uint8 grid to `path`, enlarged `upscale` times with nearest-neighbour pixels."""
    from PIL import Image

    image = Image.fromarray(np.asarray(array, np.uint8))
    if upscale > 1:
        image = image.resize((image.width * upscale, image.height * upscale), Image.NEAREST)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def save_image_grid(images, path, num_levels, columns=None, upscale=4):
    return save_png(make_grid(images, num_levels, columns), path, upscale=upscale)

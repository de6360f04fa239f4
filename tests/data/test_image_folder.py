"""Image folders and prepared TFDS datasets: layout, labels, splits, conversion, bad files."""

import os
import pathlib
import shutil

import numpy as np
import pytest
from PIL import Image

from kerasgen import data
from kerasgen.data import image_folder, tfds_images
from tests.conftest import shared_data_dir

EMOJI_COUNTS = {"activities": 85, "animals_nature": 159, "flags": 270, "food_drink": 131,
                "objects": 264, "people_body": 386, "smileys_emotion": 169, "symbols": 224,
                "travel_places": 218}


@pytest.fixture(autouse=True)
def _own_scan_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(image_folder.CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def emoji_dir():
    path = shared_data_dir() / "emoji"
    if not path.is_dir():
        pytest.skip(f"the emoji folder is not at {path}")
    return path


def _save(path, pixels, **kwargs):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path, **kwargs)
    return path


def _copy_emoji(emoji_dir, target, per_class=4, classes=("flags", "symbols")):
    for name in classes:
        files = sorted(os.listdir(emoji_dir / name))[:per_class]
        (target / name).mkdir(parents=True)
        for file in files:
            shutil.copy(emoji_dir / name / file, target / name / file)
    return target


# ------------------------------------------------------------------ real emoji folder
def test_emoji_folder_layout_labels_and_split(emoji_dir):
    scan = data.scan_image_folder(emoji_dir)
    assert scan.class_names == tuple(sorted(EMOJI_COUNTS))
    assert scan.skipped == () and not scan.split_from_folders
    train_paths, train_labels = scan.splits["train"]
    test_paths, test_labels = scan.splits["test"]
    assert len(train_paths) + len(test_paths) == sum(EMOJI_COUNTS.values()) == 1906
    assert not set(train_paths) & set(test_paths)
    for index, name in enumerate(scan.class_names):
        held = int(np.sum(test_labels == index))
        assert held == int(np.floor(0.1 * EMOJI_COUNTS[name] + 0.5)), name
        assert held + int(np.sum(train_labels == index)) == EMOJI_COUNTS[name]
        assert all(os.path.basename(os.path.dirname(p)) == name
                   for p, label in zip(train_paths, train_labels) if label == index)
    # Seeded: the same seed gives the same split, another seed another one.
    assert data.scan_image_folder(emoji_dir).splits["test"][0] == test_paths
    other = data.scan_image_folder(emoji_dir, split_seed=1).splits["test"][0]
    assert other != test_paths and len(other) == len(test_paths)


def test_emoji_pipeline_gives_colour_images_composited_on_white(emoji_dir):
    info = data.dataset_info("folder", data_dir=emoji_dir, image_size=32)
    assert info.image_shape == (32, 32, 3) and info.num_levels == 256
    assert info.num_classes == 9 and info.class_names[0] == "activities"
    images, labels = data.load_arrays("folder", "test", data_dir=emoji_dir, image_size=32)
    assert images.shape == (191, 32, 32, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int32 and set(labels.tolist()) == set(range(9))
    # Emoji have transparent corners: white after compositing, not the stored black.
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert np.mean(corners == 255) > 0.8
    # Real colour: the channels differ.
    assert np.abs(images[..., 0].astype(int) - images[..., 2]).mean() > 5
    gray, _ = data.load_arrays("folder", "test", data_dir=emoji_dir, image_size=32,
                               channels=1)
    luma = images.astype(np.float64) @ [0.2989, 0.5870, 0.1140]
    assert gray.shape == (191, 32, 32, 1)
    assert np.abs(gray[..., 0] - luma).max() <= 1.0

    batches = data.load("folder", data_dir=emoji_dir, image_size=16, batch_size=64, seed=3)
    first = [labels.numpy() for _, labels in batches.take(2)]
    again = [labels.numpy() for _, labels in data.load(
        "folder", data_dir=emoji_dir, image_size=16, batch_size=64, seed=3).take(2)]
    np.testing.assert_array_equal(first, again)
    image_batch, _ = next(iter(batches))
    assert tuple(image_batch.shape) == (64, 16, 16, 3)
    assert batches.element_spec[0].shape.as_list() == [None, 16, 16, 3]  # static H, W, C


# ------------------------------------------------------------------ conversion
def test_centre_crop_and_pad_keep_the_aspect_ratio(tmp_path):
    pixels = np.zeros([20, 60, 3], np.uint8)
    pixels[:, :20, 0] = 255  # red | green | blue thirds
    pixels[:, 20:40, 1] = 255
    pixels[:, 40:, 2] = 255
    _save(tmp_path / "flat" / "wide.png", pixels)
    scan = data.scan_image_folder(tmp_path / "flat", test_fraction=0)
    crop, labels = image_folder.folder_arrays(scan, "train", (10, 10), 3, "crop")
    np.testing.assert_array_equal(crop[0, 5, 5], [0, 255, 0])  # the centre third only
    assert np.all(crop[0, :, :, 1] >= 250) and labels.tolist() == [-1]
    pad, _ = image_folder.folder_arrays(scan, "train", (12, 12), 3, "pad")
    # 60x20 into 12x12: the image fills 12x4 in the middle, white above and below.
    assert np.all(pad[0, :3] == 255) and np.all(pad[0, -3:] == 255)
    np.testing.assert_array_equal(pad[0, 6, 0], [255, 0, 0])
    np.testing.assert_array_equal(pad[0, 6, -1], [0, 0, 255])


def test_grayscale_rgba_and_gray_alpha_files_convert_to_either_channel_count(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    _save(tmp_path / "f" / "gray.png", gray)
    rgba = np.zeros([8, 8, 4], np.uint8)
    rgba[..., 0] = 200
    rgba[:4, ..., 3] = 255  # top half opaque red, bottom half fully transparent (black)
    _save(tmp_path / "f" / "rgba.png", rgba)
    gray_alpha = np.stack([gray, np.full_like(gray, 0)], -1)
    _save(tmp_path / "f" / "la.png", Image.fromarray(gray_alpha, "LA"))
    scan = data.scan_image_folder(tmp_path / "f", test_fraction=0)
    assert {p.split(os.sep)[-1]: s[2] for p, s in scan.shapes.items()} == {
        "gray.png": 1, "rgba.png": 4, "la.png": 2}
    by_name = dict(zip([os.path.basename(p) for p in scan.splits["train"][0]], range(3)))
    as_gray, _ = image_folder.folder_arrays(scan, "train", (8, 8), 1)
    as_rgb, _ = image_folder.folder_arrays(scan, "train", (8, 8), 3)
    np.testing.assert_array_equal(as_gray[by_name["gray.png"], ..., 0], gray)
    np.testing.assert_array_equal(as_rgb[by_name["gray.png"]], np.stack([gray] * 3, -1))
    np.testing.assert_array_equal(as_rgb[by_name["rgba.png"], :4], np.broadcast_to(
        [200, 0, 0], [4, 8, 3]))
    assert np.all(as_rgb[by_name["rgba.png"], 4:] == 255)
    assert np.all(as_rgb[by_name["la.png"]] == 255)  # transparent everywhere: white


def test_every_extension_in_any_case_counts(tmp_path):
    pixels = np.full([6, 6, 3], 90, np.uint8)
    folder = tmp_path / "cases"
    for name, fmt in (("a.PNG", "PNG"), ("b.Jpeg", "JPEG"), ("c.jpg", "JPEG"),
                      ("d.BMP", "BMP"), ("e.gif", "GIF"), ("f.png", "PNG")):
        _save(folder / name, pixels, format=fmt)
    (folder / "notes.txt").write_text("not an image")
    scan = data.scan_image_folder(folder, test_fraction=0)
    names = sorted(os.path.basename(p) for p in scan.splits["train"][0])
    assert names == ["a.PNG", "b.Jpeg", "c.jpg", "d.BMP", "e.gif", "f.png"]
    images, _ = image_folder.folder_arrays(scan, "train", (6, 6), 3)
    assert np.abs(images.astype(int) - 90).max() <= 3  # JPEG and GIF are lossy


# ------------------------------------------------------------------ bad files and folders
def test_truncated_and_fake_files_are_skipped_and_named(emoji_dir, tmp_path, capsys):
    folder = _copy_emoji(emoji_dir, tmp_path / "emoji")
    (folder / "symbols" / "fake.jpg").write_bytes(b"this is not a jpeg")
    before = data.scan_image_folder(folder, test_fraction=0.25)
    victim = folder / "flags" / sorted(os.listdir(folder / "flags"))[1]
    victim.write_bytes(victim.read_bytes()[:200])  # truncated PNG
    capsys.readouterr()
    scan = data.scan_image_folder(folder, test_fraction=0.25)
    err = capsys.readouterr().err
    assert sorted(p for p, _ in scan.skipped) == sorted([str(victim),
                                                         str(folder / "symbols" / "fake.jpg")])
    assert f"skipped {victim}:" in err and "fake.jpg" in err
    assert "skipped 2 of 9 files" in err
    assert all(reason for _, reason in scan.skipped)
    # The split is drawn before decoding: a broken file moves no other file.
    for split in ("train", "test"):
        assert scan.splits[split][0] == tuple(p for p in before.splits[split][0]
                                              if p != str(victim))
    images, _ = data.load_arrays("folder", "train", data_dir=folder, image_size=8,
                                 test_fraction=0.25)  # no crash at iteration time
    assert len(images) == scan.count("train")


def test_scan_is_cached_by_path_size_and_modification_time(emoji_dir, tmp_path, monkeypatch):
    folder = _copy_emoji(emoji_dir, tmp_path / "emoji", per_class=3)
    decoded = []
    real = image_folder._decode_once
    monkeypatch.setattr(image_folder, "_decode_once", lambda p: decoded.append(p) or real(p))
    first = data.scan_image_folder(folder)
    assert len(decoded) == 6
    decoded.clear()
    again = data.scan_image_folder(folder)
    assert decoded == [] and again.shapes == first.shapes
    for split in ("train", "test"):
        assert again.splits[split][0] == first.splits[split][0]
        np.testing.assert_array_equal(again.splits[split][1], first.splits[split][1])
    changed = folder / "flags" / sorted(os.listdir(folder / "flags"))[0]
    changed.write_bytes(changed.read_bytes()[:100])
    os.utime(changed, ns=(1, 1))
    scan = data.scan_image_folder(folder)
    assert decoded == [str(changed)] and [p for p, _ in scan.skipped] == [str(changed)]


def test_empty_folder_and_folder_without_images_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="`data_dir`.*holds no image files"):
        data.scan_image_folder(tmp_path / "empty")
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "readme.txt").write_text("hello")
    (tmp_path / "docs" / "sub" / "photo.jpeg.txt").write_text("hello")
    with pytest.raises(ValueError, match="`data_dir`.*holds no image files"):
        data.load("folder", data_dir=tmp_path / "docs")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "a.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match="`data_dir`.*no readable image"):
        data.scan_image_folder(tmp_path / "broken", verbose=False)
    with pytest.raises(ValueError, match="`data_dir`.*does not exist"):
        data.load("folder", data_dir=tmp_path / "missing")
    with pytest.raises(ValueError, match="`data_dir`"):
        data.load("folder")


def test_bad_options_name_the_argument(tmp_path):
    _save(tmp_path / "f" / "a.png", np.zeros([4, 4, 3]))
    for kwargs, name in (({"channels": 4}, "channels"), ({"image_size": (0, 4)}, "image_size"),
                         ({"aspect_ratio": "stretch"}, "aspect_ratio"),
                         ({"test_fraction": 1.0}, "test_fraction")):
        with pytest.raises(ValueError, match=f"`{name}`"):
            data.load("folder", data_dir=tmp_path / "f", **kwargs)
    with pytest.raises(ValueError, match="`image_size`.*'digits'"):
        data.load("digits", image_size=16)
    with pytest.raises(ValueError, match="`with_labels`"):
        data.load("folder", data_dir=tmp_path / "f", with_labels=True)


# ------------------------------------------------------------------ layouts
def test_train_and_test_folders_are_the_split(tmp_path):
    for split, count in (("train", 3), ("test", 2)):
        for name in ("b_cls", "a_cls"):
            for i in range(count):
                _save(tmp_path / "d" / split / name / f"{i}.png", np.full([5, 5, 3], i))
    scan = data.scan_image_folder(tmp_path / "d", test_fraction=0.5)
    assert scan.split_from_folders and scan.class_names == ("a_cls", "b_cls")
    assert scan.count("train") == 6 and scan.count("test") == 4
    assert all(f"{os.sep}test{os.sep}" in p for p in scan.splits["test"][0])
    assert sorted(scan.splits["test"][1].tolist()) == [0, 0, 1, 1]
    _save(tmp_path / "d" / "test" / "c_cls" / "0.png", np.zeros([5, 5, 3]))
    with pytest.raises(ValueError, match="`data_dir`.*c_cls"):
        data.scan_image_folder(tmp_path / "d")


def test_flat_folder_is_unlabeled(tmp_path):
    for i in range(10):
        _save(tmp_path / "flat" / f"{i:02d}.png", np.full([4, 6, 3], 10 * i))
    info = data.dataset_info("folder", data_dir=tmp_path / "flat", image_size=(4, 6))
    assert info.num_classes is None and info.image_shape == (4, 6, 3)
    ds = data.load("folder", data_dir=tmp_path / "flat", image_size=(4, 6), batch_size=4,
                   shuffle=False)
    batches = [b.numpy() for b in ds]  # images only
    assert [len(b) for b in batches] == [4, 4, 1]
    order = [int(image[0, 0, 0]) for image in np.concatenate(batches)]
    assert order != sorted(order)  # a fixed shuffle: the first max_examples are no one corner
    images, labels = data.load_arrays("folder", "test", data_dir=tmp_path / "flat",
                                      image_size=(4, 6))
    assert len(images) == 1 and labels.tolist() == [-1]


# ------------------------------------------------------------------ TFDS
def test_tfds_dataset_written_by_tfds_is_read_with_its_splits_and_labels(tfds_dir):
    name = "tfds:kerasgen_tiny_icons"
    info = data.dataset_info(name, data_dir=tfds_dir)
    assert info.image_shape == (12, 16, 3) and info.num_classes == 3
    assert info.class_names == ("circle", "square", "star")
    images, labels = data.load_arrays(name, "train", data_dir=tfds_dir)
    assert images.shape == (12, 12, 16, 3)
    assert sorted(labels.tolist()) == [0] * 4 + [1] * 4 + [2] * 4
    # The very pixels that were written (opaque RGBA -> RGB), with their labels.
    rng = np.random.default_rng(0)
    written = {rng.integers(0, 256, (12, 16, 4), dtype=np.uint8)[..., :3].tobytes(): i % 3
               for i in range(12)}
    assert {image.tobytes(): int(label) for image, label in zip(images, labels)} == written
    test_images, _ = data.load_arrays(name, "test", data_dir=tfds_dir)
    assert len(test_images) == 6
    small, _ = data.load_arrays(name, "test", data_dir=tfds_dir, image_size=8, channels=1)
    assert small.shape == (6, 8, 8, 1)
    dataset = data.load(name, data_dir=tfds_dir, batch_size=5, seed=0)
    assert dataset.element_spec[0].shape.as_list() == [None, 12, 16, 3]  # static H, W, C
    batches = list(dataset)
    assert [len(b[0]) for b in batches] == [5, 5, 2]
    # Opened from its files alone (the builder class's code is not needed).
    source = tfds_images.open_tfds(name, str(tfds_dir))
    assert type(source.builder).__name__ in ("ReadOnlyBuilder", "KerasgenTinyIcons")


def test_tfds_dataset_not_prepared_is_refused_without_downloading(tmp_path):
    with pytest.raises(ValueError, match="`data`.*never downloads.*received 'tfds:cifar10'"):
        data.load("tfds:cifar10", data_dir=tmp_path)
    with pytest.raises(ValueError, match="`data`"):
        data.load("tfds:no_such_dataset_anywhere", data_dir=tmp_path)

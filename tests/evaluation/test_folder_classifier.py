"""The evaluation classifier on a user's folder (real emoji, 16x16 RGB): trained on the class
folders' labels, or on rotations for a flat folder, cached under the folder's fingerprint, and
its distances pass the same sanity checks as on digits (real against real far below noisy,
monotone in noise and in blur)."""

import shutil

import numpy as np
import pytest
from scipy import ndimage

from kerasgen import data
from kerasgen.evaluation.classifier import (
    frechet_distance,
    get_classifier,
    rotation_task,
    sample_quality,
)

OPTIONS = dict(image_size=16, channels=3)
EPOCHS = 8


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("classifiers")


@pytest.fixture(scope="module")
def flat_emoji(data_dir, tmp_path_factory):
    """Every emoji in one folder: unlabeled data."""
    folder = tmp_path_factory.mktemp("flat-emoji")
    for path in sorted((data_dir / "emoji").rglob("*.png")):
        shutil.copy(path, folder / f"{path.parent.name}-{path.name}")
    return folder


@pytest.fixture(scope="module", params=["labelled", "flat"])
def judged(request, data_dir, flat_emoji, cache):
    """``(classifier, train images, test images)`` of the emoji, with or without labels."""
    folder = data_dir / "emoji" if request.param == "labelled" else flat_emoji
    classifier = get_classifier("folder", data_dir=str(folder), directory=cache, epochs=EPOCHS,
                                **OPTIONS)
    train, _ = data.load_arrays("folder", "train", data_dir=str(folder), **OPTIONS)
    test, _ = data.load_arrays("folder", "test", data_dir=str(folder), **OPTIONS)
    return classifier, train, test


@pytest.mark.slow
def test_class_folders_train_on_their_labels_and_a_flat_folder_on_rotations(judged):
    classifier, _, _ = judged
    if classifier.task == "classes":
        assert classifier.num_classes == 9
        assert classifier.test_accuracy > 0.4  # 9 categories: chance is 0.11
    else:
        assert classifier.num_classes == 4
        assert classifier.test_accuracy > 0.45  # 4 rotations: chance is 0.25


@pytest.mark.slow
def test_real_against_real_is_far_below_noise_and_grows_with_it(judged):
    """600 training emoji against the other ~1100 (the test split, ~190, is too few for a
    64-dimensional covariance)."""
    classifier, train, _ = judged
    images, reference = train[:600], classifier.features(train[600:])
    same = frechet_distance(classifier.features(images), reference)
    rng = np.random.default_rng(0)
    noisy = [frechet_distance(classifier.features(np.clip(
        images + rng.normal(0, level, images.shape), 0, 255)), reference)
        for level in (64, 112, 160)]
    assert same < noisy[0] < noisy[1] < noisy[2], (same, noisy)
    assert same < 0.2 * noisy[-1], (same, noisy)


@pytest.mark.slow
def test_blur_grows_the_distance_monotonically(judged):
    classifier, train, _ = judged
    images, reference = train[:600], classifier.features(train[600:])
    distances = [frechet_distance(classifier.features(ndimage.gaussian_filter(
        images.astype(float), sigma=(0, s, s, 0))), reference) for s in (0.0, 0.7, 1.4)]
    assert distances[0] < distances[1] < distances[2], distances


@pytest.mark.slow
def test_report_of_a_rotation_classifier_holds_the_distances_only(judged):
    classifier, train, test = judged
    report = sample_quality(classifier, train[:100], test)
    assert report["classifier_task"] == classifier.task
    if classifier.task == "classes":
        assert {"classifier_score", "modes_covered"} <= set(report)
        return
    assert {"frechet_distance", "kernel_distance"} <= set(report)
    assert not {"classifier_score", "modes_covered", "label_agreement"} & set(report)
    with pytest.raises(ValueError, match="`generated_labels`"):
        sample_quality(classifier, train[:10], test, generated_labels=np.zeros(10, int))


@pytest.mark.slow
def test_the_cache_follows_the_folder_and_the_options(data_dir, cache, tmp_path):
    """A copy of three categories: trained once, loaded from the cache while nothing changes,
    retrained when a file is added or the image size differs."""
    folder = tmp_path / "emoji"
    for category in sorted((data_dir / "emoji").iterdir())[:3]:
        shutil.copytree(category, folder / category.name)

    def files():
        return sorted(p.name for p in cache.glob("classifier-folder-*.keras"))

    before = set(files())
    get_classifier("folder", data_dir=str(folder), directory=cache, epochs=1, **OPTIONS)
    first = set(files()) - before
    assert len(first) == 1
    get_classifier("folder", data_dir=str(folder), directory=cache, epochs=1, **OPTIONS)
    assert set(files()) - before == first  # unchanged folder: the cached one
    some = next((folder / sorted(p.name for p in folder.iterdir())[0]).glob("*.png"))
    shutil.copy(some, some.with_name("added.png"))
    get_classifier("folder", data_dir=str(folder), directory=cache, epochs=1, **OPTIONS)
    get_classifier("folder", data_dir=str(folder), directory=cache, epochs=1,
                   image_size=12, channels=3)
    assert len(set(files()) - before) == 3


def test_rotation_task_turns_square_images_and_flips_others():
    square = np.arange(2 * 3 * 3).reshape(2, 3, 3, 1)
    turned, labels = rotation_task(square)
    assert turned.shape == (8, 3, 3, 1) and list(labels) == [0] * 2 + [1] * 2 + [2] * 2 + [3] * 2
    np.testing.assert_array_equal(turned[2], np.rot90(square[0]))
    wide = np.arange(2 * 2 * 3).reshape(2, 2, 3, 1)
    flipped, _ = rotation_task(wide)
    assert flipped.shape == (8, 2, 3, 1)
    np.testing.assert_array_equal(flipped[6], wide[0, ::-1, ::-1])


def test_one_class_folder_is_judged_by_rotations_and_no_test_split_is_no_accuracy(data_dir,
                                                                                  tmp_path):
    """One subfolder holds no classes to learn; a folder read with test_fraction=0 has no
    test images to measure the judge on (and it still trains)."""
    folder = tmp_path / "all"
    shutil.copytree(data_dir / "emoji" / "flags", folder / "flags")
    judge = get_classifier("folder", data_dir=str(folder), directory=tmp_path / "cache",
                           epochs=1, test_fraction=0, **OPTIONS)
    assert judge.task == "rotations" and judge.num_classes == 4
    assert judge.test_accuracy is None


@pytest.mark.slow
def test_a_tfds_dataset_is_judged_by_its_labels_and_a_gan_reports_against_it(tfds_dir,
                                                                            tmp_path,
                                                                            monkeypatch):
    """A dataset TFDS prepared on disk (its own writer, 3 classes): the judge trains on its
    labels at the size it is read at, is cached under its fingerprint, and a GAN's report on
    it names that judge's task (random pixels: the figures themselves mean nothing here)."""
    from kerasgen.models import VAEGAN, ConditionalGAN

    name, options = "tfds:kerasgen_tiny_icons", dict(image_size=8, channels=3)
    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(tmp_path))
    judge = get_classifier(name, data_dir=str(tfds_dir), epochs=1, **options)
    assert judge.task == "classes" and judge.num_classes == 3
    assert tuple(judge.model.input_shape[1:]) == (8, 8, 3)
    cached = sorted(tmp_path.glob("classifier-tfds-*.keras"))
    assert len(cached) == 1
    get_classifier(name, data_dir=str(tfds_dir), epochs=1, **options)
    get_classifier(name, data_dir=str(tfds_dir), epochs=1, image_size=6, channels=3)
    assert len(list(tmp_path.glob("classifier-tfds-*.keras"))) == 2  # one per size, not per call

    images, labels = data.load_arrays(name, "test", data_dir=str(tfds_dir), **options)
    shape = dict(image_shape=(8, 8, 3), num_levels=256, latent_dim=4, hidden_units=(16,))
    cgan = ConditionalGAN(num_classes=3, **shape)
    report = cgan.evaluation_report(images, labels, dataset=name, data_dir=str(tfds_dir),
                                    data_options=options)  # the default judge: 30 epochs
    assert report["classifier_task"] == "classes"
    assert np.isfinite(report["frechet_distance"]) and 0 <= report["label_agreement"] <= 1
    # Every GAN reads the judge at the size it was trained at (VAE-GAN dropped the options).
    report = VAEGAN(**shape).evaluation_report(images, dataset=name, data_dir=str(tfds_dir),
                                               data_options=options)
    assert np.isfinite(report["frechet_distance"]) and report["reconstruction_mse"] >= 0

"""Audio data: WAV reading, the real Free Spoken Digit Dataset, mu-law and 16-bit levels,
training windows, and every bad input as a ValueError naming the argument."""

import dataclasses
import math
import os
import wave

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.data import audio

FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")


def write_wav(path, samples, rate=8000, channels=1, width=2):
    """Write integer ``samples`` (``[T]`` or ``[T, channels]``) as a PCM WAV file."""
    samples = np.asarray(samples)
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}.get(width)
    if width == 3:  # 24-bit: the low three bytes of little-endian int32
        raw = np.asarray(samples, "<i4").reshape(-1, 1).view(np.uint8)[:, :3].tobytes()
    else:
        raw = np.asarray(samples, dtype).tobytes()
    with wave.open(os.fspath(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)
    return path


def int16_clip(length, seed=0):
    return np.random.RandomState(seed).randint(-32768, 32768, length).astype(np.int16)


@pytest.fixture(autouse=True)
def _no_env_data_dir(monkeypatch):
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)


@pytest.fixture(scope="module")
def fsdd_test(data_dir):
    return audio.load_spoken_digit_clips("test", data_dir=data_dir)


@pytest.fixture(scope="module")
def fsdd_train(data_dir):
    return audio.load_spoken_digit_clips("train", data_dir=data_dir)


# ---------------------------------------------------------------- registry and file names


def test_dataset_info():
    assert data.list_audio_datasets() == ["spoken_digit"]
    info = data.audio_dataset_info("spoken_digit")
    assert isinstance(info, data.AudioDatasetInfo) and info is data.audio_dataset_info()
    assert (info.name, info.sample_rate, info.num_speakers, info.num_classes) == (
        "spoken_digit", 8000, 6, 10)
    assert info.speakers == FSDD_SPEAKERS and info.description
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.sample_rate = 16000
    with pytest.raises(ValueError, match=r"`name` must be one of 'spoken_digit'; received 'fsdd'"):
        data.audio_dataset_info("fsdd")


def test_parse_filename():
    assert data.parse_spoken_digit_filename("7_jackson_32.wav") == (7, "jackson", 32)
    assert data.parse_spoken_digit_filename("/x/0_yweweler_0.wav") == (0, "yweweler", 0)
    for bad in ("7_jackson.wav", "jackson_7_32.wav", "12_theo_3.wav", "7_theo_3.mp3"):
        with pytest.raises(ValueError, match=r"`filename` must be an FSDD file name"):
            data.parse_spoken_digit_filename(bad)


# ---------------------------------------------------------------- the real FSDD


def test_read_real_file(data_dir):
    path = data_dir / "fsdd" / "recordings" / "7_jackson_32.wav"
    samples, rate = data.read_wav(path)
    assert rate == 8000 and samples.dtype == np.float32 and samples.shape == (4301,)
    assert -1.0 <= samples.min() and samples.max() < 1.0 and samples.std() > 1e-3
    # TensorFlow's own WAV decoder (int16 / 32768) agrees sample for sample.
    reference = tf.audio.decode_wav(tf.io.read_file(str(path)))
    assert int(reference.sample_rate) == 8000
    np.testing.assert_array_equal(samples, reference.audio.numpy()[:, 0])
    again, _ = data.read_wav(path, sample_rate=8000)
    np.testing.assert_array_equal(samples, again)


def test_official_split(fsdd_test, fsdd_train):
    assert (len(fsdd_test), len(fsdd_train)) == (300, 2700)
    for clips, in_test in ((fsdd_test, True), (fsdd_train, False)):
        assert isinstance(clips, data.SpokenDigitClips) and clips.sample_rate == 8000
        assert clips.speaker_names == FSDD_SPEAKERS
        assert set(clips.speakers.tolist()) == set(range(6))
        assert set(clips.digits.tolist()) == set(range(10))
        assert clips.digits.dtype == clips.speakers.dtype == np.int32
        assert np.all((clips.indices <= 4) == in_test)
        # Each (speaker, digit) pair has 5 test and 45 train recordings.
        counts = np.bincount(clips.speakers * 10 + clips.digits, minlength=60)
        assert np.all(counts == (5 if in_test else 45))
        # Labels agree with the file names, speakers with the sorted names.
        for path, digit, speaker, index in zip(
                clips.paths, clips.digits, clips.speakers, clips.indices):
            assert (digit, FSDD_SPEAKERS[speaker], index) == audio.parse_spoken_digit_filename(path)
        assert all(c.dtype == np.float32 and c.ndim == 1 for c in clips.clips)
        assert 1148 <= clips.lengths.min() and clips.lengths.max() <= 18262
    names = [os.path.basename(p) for p in fsdd_train.paths]
    k = names.index("7_jackson_32.wav")
    speaker = fsdd_train.speaker_names[fsdd_train.speakers[k]]
    assert (fsdd_train.digits[k], speaker) == (7, "jackson")
    assert len(fsdd_train.clips[k]) == 4301
    assert not set(names) & {os.path.basename(p) for p in fsdd_test.paths}


def test_data_dir_layouts(data_dir, monkeypatch):
    recordings = str(data_dir / "fsdd" / "recordings")
    for given in (data_dir, data_dir / "fsdd", data_dir / "fsdd" / "recordings"):
        assert data.resolve_spoken_digit_dir(given) == recordings
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(data_dir))
    assert data.resolve_spoken_digit_dir() == recordings
    clips = data.load_spoken_digit_clips("test", max_examples=3)
    assert len(clips) == 3 and clips.paths[0].startswith(recordings)


def test_data_dir_errors(tmp_path):
    with pytest.raises(ValueError, match=r"`data_dir` must be .*KERASGEN_DATA_DIR"):
        data.load_spoken_digit_clips("test")
    with pytest.raises(ValueError, match=r"`data_dir` must be .*which does not exist"):
        data.load_spoken_digit_clips("test", data_dir=tmp_path / "missing")
    with pytest.raises(ValueError, match=r"`data_dir` must be .*holds no FSDD recordings"):
        data.load_spoken_digit_clips("test", data_dir=tmp_path)
    folder = tmp_path / "fsdd" / "recordings"
    folder.mkdir(parents=True)
    write_wav(folder / "3_theo_1.wav", int16_clip(50))
    write_wav(folder / "notes.wav", int16_clip(50))
    with pytest.raises(ValueError, match=r"`data_dir` must be .*named.*received .*'notes.wav'"):
        data.load_spoken_digit_clips("test", data_dir=tmp_path)
    os.remove(folder / "notes.wav")
    with pytest.raises(ValueError, match=r"`split` must be a split with recordings; received 'tr"):
        data.load_spoken_digit_clips("train", data_dir=tmp_path)
    write_wav(folder / "4_theo_2.wav", int16_clip(50), rate=16000)
    with pytest.raises(ValueError, match=r"`data_dir` must be FSDD recordings at 8000 Hz.*16000"):
        data.load_spoken_digit_clips("test", data_dir=tmp_path)


def test_synthetic_fsdd_labels(tmp_path):
    """Speaker indices come from the sorted names of the whole folder, both splits alike."""
    for name in ("2_zed_0.wav", "5_amy_7.wav", "9_bob_4.wav", "1_zed_12.wav"):
        write_wav(tmp_path / name, int16_clip(20))
    test = data.load_spoken_digit_clips("test", data_dir=tmp_path)
    train = data.load_spoken_digit_clips("train", data_dir=tmp_path)
    assert test.speaker_names == train.speaker_names == ("amy", "bob", "zed")
    assert [os.path.basename(p) for p in test.paths] == ["2_zed_0.wav", "9_bob_4.wav"]
    assert test.digits.tolist() == [2, 9] and test.speakers.tolist() == [2, 1]
    assert train.digits.tolist() == [1, 5] and train.speakers.tolist() == [2, 0]
    assert train.indices.tolist() == [12, 7]


@pytest.mark.parametrize("bad", ["validation", "TEST", None])
def test_bad_split(bad, tmp_path):
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'; received"):
        data.load_spoken_digit_clips(bad, data_dir=tmp_path)
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'; received"):
        data.load_spoken_digit(bad, window_length=16, data_dir=tmp_path)


# ---------------------------------------------------------------- mu-law and pcm16 levels


def reference_mu_law_encode(x, q=256):
    """ibab/tensorflow-wavenet's mu_law_encode, in NumPy."""
    mu = q - 1.0
    magnitude = np.log1p(mu * np.minimum(np.abs(x), 1.0)) / np.log1p(mu)
    return ((np.sign(x) * magnitude + 1) / 2 * mu + 0.5).astype(np.int32)


def test_mu_law_known_values():
    levels = data.mu_law_encode(np.array([-1.0, 0.0, 1.0], np.float32))
    assert levels.dtype == tf.int32 and levels.numpy().tolist() == [0, 128, 255]
    assert data.mu_law_encode([-2.0, 3.0]).numpy().tolist() == [0, 255]  # clipped
    levels16 = data.mu_law_encode([-1.0, 0.0, 1.0], quantization_channels=16)
    assert levels16.numpy().tolist() == [0, 8, 15]
    decoded = data.mu_law_decode(np.array([0, 255])).numpy()
    np.testing.assert_allclose(decoded, [-1.0, 1.0], atol=1e-6)
    # F(x) = sign(x) ln(1 + mu|x|) / ln(1 + mu) on a grid, as in the classic implementation.
    grid = np.linspace(-1, 1, 20001).astype(np.float32)
    np.testing.assert_array_equal(data.mu_law_encode(grid).numpy(), reference_mu_law_encode(grid))


def test_mu_law_round_trip_and_monotonic():
    x = np.linspace(-1, 1, 40001).astype(np.float32)
    levels = data.mu_law_encode(x).numpy()
    assert levels.min() == 0 and levels.max() == 255
    assert np.all(np.diff(levels) >= 0)  # encode is non-decreasing
    assert len(np.unique(levels)) == 256  # every level is used
    error = np.abs(data.mu_law_decode(levels).numpy() - x)
    mu = 255.0
    bound = 1.05 * math.log1p(mu) * (1 + mu * np.abs(x)) / mu**2
    assert np.all(error <= bound)
    assert error[np.abs(x) < 0.001].max() < 1.2e-4 and error.max() < 0.025
    assert error[np.abs(x) < 0.01].max() < error[np.abs(x) > 0.9].max() / 50  # shrinks near 0
    values = data.mu_law_decode(np.arange(256)).numpy()
    assert np.all(np.diff(values) > 0)  # decode is strictly increasing
    np.testing.assert_array_equal(data.mu_law_encode(values).numpy(), np.arange(256))
    np.testing.assert_allclose(values[1:] + values[-2::-1], 0.0, atol=1e-6)  # symmetric


def test_encodings_in_tf_function():
    x = np.random.RandomState(0).uniform(-1, 1, (4, 100)).astype(np.float32)

    @tf.function
    def round_trips(audio_batch):
        levels = data.mu_law_encode(audio_batch)
        return (levels, data.mu_law_decode(levels),
                data.from_pcm16_levels(data.to_pcm16_levels(audio_batch)))

    levels, mu, pcm = round_trips(tf.constant(x))
    np.testing.assert_array_equal(levels.numpy(), data.mu_law_encode(x).numpy())
    np.testing.assert_allclose(mu.numpy(), data.mu_law_decode(levels.numpy()).numpy(), rtol=1e-5)
    np.testing.assert_allclose(pcm.numpy(), x, atol=0.5 / 32768)
    # float64 NumPy input works too; integer input (raw int16) is refused.
    np.testing.assert_array_equal(data.mu_law_encode(x.astype(np.float64)).numpy(),
                                  data.mu_law_encode(x).numpy())
    with pytest.raises(ValueError, match=r"`x` must be float audio in \[-1, 1\].*received .*int16"):
        data.mu_law_encode(np.zeros(3, np.int16))
    with pytest.raises(ValueError, match=r"`x` must be float audio"):
        data.to_pcm16_levels(tf.zeros(3, tf.int32))
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError, match=r"`quantization_channels` must be an integer >= 2"):
            data.mu_law_encode(x, quantization_channels=bad)


def test_pcm16_round_trip_is_exact():
    int16 = np.arange(-32768, 32768, dtype=np.int32)
    x = (int16 / 32768.0).astype(np.float32)
    levels = data.to_pcm16_levels(x)
    assert levels.dtype == tf.int32
    np.testing.assert_array_equal(levels.numpy(), int16 + 32768)
    np.testing.assert_array_equal(data.from_pcm16_levels(levels).numpy(), x)
    assert data.to_pcm16_levels([-1.0, 0.0, 1.0, 1.5]).numpy().tolist() == [0, 32768, 65535, 65535]


def test_encode_audio_dispatch():
    x = np.array([-0.5, 0.0, 0.25], np.float32)
    np.testing.assert_array_equal(data.encode_audio(x, "mu_law"), data.mu_law_encode(x))
    np.testing.assert_array_equal(data.encode_audio(x, "pcm16"), data.to_pcm16_levels(x))
    np.testing.assert_array_equal(data.encode_audio(x, "float"), x)
    for encoding in data.ENCODINGS:
        decoded = data.decode_audio(data.encode_audio(x, encoding), encoding).numpy()
        np.testing.assert_allclose(decoded, x, atol=0.01)
    assert [data.encoding_num_levels(e) for e in data.ENCODINGS] == [256, 65536, None]
    with pytest.raises(ValueError, match=r"`encoding` must be one of 'mu_law', 'pcm16', 'float'"):
        data.encode_audio(x, "alaw")


# ---------------------------------------------------------------- WAV folders


def test_load_wav_folder(tmp_path):
    originals = {"b.wav": int16_clip(300, 1), "a.WAV": int16_clip(200, 2)}
    for name, samples in originals.items():
        write_wav(tmp_path / name, samples, rate=16000)
    (tmp_path / "readme.txt").write_text("not audio")
    clips = data.load_wav_folder(tmp_path)
    assert isinstance(clips, data.AudioClips) and len(clips) == 2 and clips.sample_rate == 16000
    assert [os.path.basename(p) for p in clips.paths] == ["a.WAV", "b.wav"]
    assert clips.lengths.tolist() == [200, 300]
    for clip, name in zip(clips.clips, ("a.WAV", "b.wav")):
        assert clip.dtype == np.float32
        np.testing.assert_array_equal(clip, originals[name] / np.float32(32768))
    resampled = data.load_wav_folder(tmp_path, sample_rate=8000, resample=True)
    assert resampled.sample_rate == 8000 and resampled.lengths.tolist() == [100, 150]


def test_resample_quality():
    t = np.arange(16000) / 16000.0
    tone = 0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = data.resample_audio(tone, 16000, 8000)
    assert out.dtype == np.float32 and out.shape == (8000,)
    exact = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000.0)
    assert np.abs(out - exact)[50:-50].max() < 2e-3
    high = 0.5 * np.sin(2 * np.pi * 6000 * t).astype(np.float32)  # above the new 4 kHz Nyquist
    assert np.abs(data.resample_audio(high, 16000, 8000))[50:-50].max() < 5e-3
    up = data.resample_audio(exact.astype(np.float32), 8000, 22050)
    assert up.shape == (22050,)
    exact_up = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050.0)
    assert np.abs(up - exact_up)[100:-100].max() < 2e-3
    np.testing.assert_array_equal(data.resample_audio(tone, 16000, 16000), tone)


def test_wav_errors(tmp_path):
    with pytest.raises(ValueError, match=r"`directory` must be a folder .*which does not exist"):
        data.load_wav_folder(tmp_path / "missing")
    write_wav(tmp_path / "file.wav", int16_clip(10))
    with pytest.raises(ValueError, match=r"`directory` must be .*which is a file, not a folder"):
        data.load_wav_folder(tmp_path / "file.wav")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("x")
    with pytest.raises(ValueError, match=r"`directory` must be .*which holds no .wav files"):
        data.load_wav_folder(empty)

    cases = {
        "eight.wav": (dict(width=1, samples=np.full(10, 128)), "8-bit samples"),
        "twentyfour.wav": (dict(width=3, samples=np.arange(10) * 1000), "24-bit samples"),
        "thirtytwo.wav": (dict(width=4, samples=np.arange(10)), "32-bit samples"),
        "stereo.wav": (dict(channels=2, samples=int16_clip(20)), "2 channels"),
    }
    for name, (kwargs, reason) in cases.items():
        folder = tmp_path / name[:-4]
        folder.mkdir()
        samples = kwargs.pop("samples")
        write_wav(folder / name, samples, **kwargs)
        with pytest.raises(ValueError, match=rf"`directory` must be a 16-bit PCM mono WAV.*"
                                             rf"{name}', which has {reason}"):
            data.load_wav_folder(folder)
        with pytest.raises(ValueError, match=rf"`path` must be .*{name}', which has {reason}"):
            data.read_wav(folder / name)
    # A file cut short (its header still declares 10 samples): refused, not read as 4.5.
    write_wav(tmp_path / "cut.wav", int16_clip(10))
    whole = (tmp_path / "cut.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(whole[:-11])
    with pytest.raises(ValueError, match=r"`path` must be .*cut.wav', truncated: its header "
                                         r"declares 10 samples but it holds 4.5"):
        data.read_wav(tmp_path / "cut.wav")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "noise.wav").write_bytes(b"definitely not RIFF data")
    with pytest.raises(ValueError, match=r"`directory` must be .*noise.wav', which Python's wave"):
        data.load_wav_folder(broken)


def test_wav_rate_and_length_errors(tmp_path):
    write_wav(tmp_path / "a.wav", int16_clip(100), rate=8000)
    write_wav(tmp_path / "b.wav", int16_clip(40), rate=8000)
    with pytest.raises(ValueError, match=r"`min_length` must be at most 40.*received 50 .*b.wav"):
        data.load_wav_folder(tmp_path, min_length=50)
    assert len(data.load_wav_folder(tmp_path, min_length=40)) == 2
    with pytest.raises(ValueError, match=r"`sample_rate` must be the file's rate \(8000\).*"
                                         r"resample=True.*received 16000 but .*a.wav"):
        data.load_wav_folder(tmp_path, sample_rate=16000)
    for bad in (0, -8000, 8000.5):
        with pytest.raises(ValueError, match=r"`sample_rate` must be a positive integer"):
            data.load_wav_folder(tmp_path, sample_rate=bad)
    write_wav(tmp_path / "c.wav", int16_clip(100), rate=16000)
    with pytest.raises(ValueError, match=r"`sample_rate` must be one rate .*c.wav' at 16000 Hz"):
        data.load_wav_folder(tmp_path)
    clips = data.load_wav_folder(tmp_path, sample_rate=8000, resample=True)
    assert clips.lengths.tolist() == [100, 40, 50]


# ---------------------------------------------------------------- training windows


def ramp_clips():
    """Three clips whose samples encode (clip, position): clip i sample t = (100 i + t) / 1000."""
    return [((100 * i + np.arange(n)) / 1000.0).astype(np.float32)
            for i, n in enumerate((10, 7, 12))]


def test_windows_content():
    clips = ramp_clips()
    dataset = data.audio_windows(clips, window_length=4, hop=3, labels=np.array([5, 6, 7]),
                                 encoding="float")
    elements = list(dataset)
    starts = [(0, 0), (0, 3), (0, 6), (1, 0), (1, 3), (2, 0), (2, 3), (2, 6)]
    assert len(elements) == len(starts)
    for (window, label), (clip, start) in zip(elements, starts):
        assert window.shape == (4, 1) and window.dtype == tf.float32
        assert label.dtype == tf.int32 and int(label) == 5 + clip
        np.testing.assert_array_equal(window.numpy()[:, 0], clips[clip][start:start + 4])
    # Levels: each window is the encoding of the float window.
    for encoding in ("mu_law", "pcm16"):
        windows = np.stack([w.numpy() for w in data.audio_windows(
            clips, window_length=4, hop=3, encoding=encoding)])
        floats = np.stack([w.numpy() for w, _ in elements])
        assert windows.dtype == np.int32 and windows.shape == (8, 4, 1)
        np.testing.assert_array_equal(windows, data.encode_audio(floats, encoding).numpy())


def test_windows_padding_and_hop_default():
    clips = ramp_clips() + [np.array([0.5, -0.5], np.float32)]
    with pytest.raises(ValueError, match=r"`window_length` must be at most 2, the shortest .*"
                                         r"pad=True.*received 4, longer than clip 3 of 2 samples"):
        data.audio_windows(clips, window_length=4)
    windows = [w.numpy()[:, 0] for w in data.audio_windows(clips, 4, pad=True, encoding="float")]
    assert len(windows) == 2 + 1 + 3 + 1  # hop defaults to window_length
    np.testing.assert_array_equal(windows[-1], [0.0, 0.0, 0.5, -0.5])  # silence on the left
    mu = [w.numpy()[:, 0] for w in data.audio_windows(clips, 4, pad=True)]
    assert mu[-1][:2].tolist() == [128, 128]  # mu-law silence


def test_windows_from_audio_clips_names_the_file(tmp_path):
    write_wav(tmp_path / "long.wav", int16_clip(64))
    write_wav(tmp_path / "short.wav", int16_clip(9))
    clips = data.load_wav_folder(tmp_path)
    with pytest.raises(ValueError, match=r"`window_length` must be at most 9.*short.wav'\) of 9"):
        data.audio_windows(clips, window_length=16)
    batches = list(data.audio_windows(clips, 16, hop=8, pad=True, batch_size=4))
    assert [tuple(b.shape) for b in batches] == [(4, 16, 1), (4, 16, 1)]
    assert [b.shape[0] for b in data.audio_windows(clips, 16, hop=8, pad=True, batch_size=3,
                                                   drop_remainder=True)] == [3, 3]


def test_windows_determinism():
    clips = [np.random.RandomState(i).uniform(-1, 1, 400).astype(np.float32) for i in range(5)]
    labels = (np.arange(5), np.arange(5) * 10)

    def order(seed, passes=1):
        dataset = data.audio_windows(clips, 20, labels=labels, shuffle=True, seed=seed)
        return [[(int(a), int(b), tuple(w.numpy()[:3, 0])) for w, a, b in dataset]
                for _ in range(passes)]

    first, second = order(7, passes=2)
    assert first == order(7)[0]  # same seed, same order
    assert first != order(8)[0]  # another seed, another order
    assert first != second  # reshuffled at each pass
    assert sorted(first) == sorted(second) == sorted(order(8)[0])  # same windows
    plain = [(int(a), int(b), tuple(w.numpy()[:3, 0]))
             for w, a, b in data.audio_windows(clips, 20, labels=labels)]
    assert sorted(plain) == sorted(first) and plain != first
    assert [a for a, _, _ in plain] == sorted(a for a, _, _ in plain)  # unshuffled: clip order


@pytest.mark.parametrize("bad", [0, -4, 2.5, None, True, "16"])
def test_bad_window_length(bad):
    with pytest.raises(ValueError, match=r"`window_length` must be a positive integer"):
        data.audio_windows(ramp_clips(), window_length=bad)


def test_window_argument_errors(tmp_path):
    clips = ramp_clips()
    expect = {
        "hop": (dict(hop=0), r"`hop` must be a positive integer"),
        "encoding": (dict(encoding="ulaw"), r"`encoding` must be one of 'mu_law'"),
        "pad": (dict(pad="left"), r"`pad` must be True or False"),
        "batch_size": (dict(batch_size=0), r"`batch_size` must be a positive integer"),
        "remainder": (dict(batch_size=9, drop_remainder=True),
                      r"`batch_size` must be at most 8, the number of windows"),
        "seed": (dict(seed=-1), r"`seed` must be a non-negative integer"),
        "shuffle": (dict(shuffle="yes"), r"`shuffle` must be True or False"),
        "labels": (dict(labels=np.arange(4)), r"`labels` must be one label per clip, shape \[3\]"),
        "labels[1]": (dict(labels=(np.arange(3), np.arange(2))),
                      r"`labels\[1\]` must be one label"),
        "label dtype": (dict(labels=np.array(["a", "b", "c"])),
                        r"`labels` must be integer or float"),
    }
    for name, (kwargs, message) in expect.items():
        with pytest.raises(ValueError, match=message):
            data.audio_windows(clips, 4, hop=kwargs.pop("hop", 3), **kwargs)
    bad_clips = {
        "no clips": ([], r"`clips` must be at least one clip"),
        "int16": ([np.zeros(8, np.int16)], r"`clips` must be float audio .*int16"),
        "range": ([np.full(8, 1.5, np.float32)], r"`clips` must be samples in \[-1, 1\]"),
        "nan": ([np.full(8, np.nan, np.float32)], r"`clips` must be finite samples"),
        "rank": ([np.zeros((8, 2), np.float32)], r"`clips` must be 1-D clips"),
        "3-D array": (np.zeros((2, 8, 1), np.float32), r"`clips` must be AudioClips"),
    }
    for name, (value, message) in bad_clips.items():
        with pytest.raises(ValueError, match=message):
            data.audio_windows(value, 4)
    # load_spoken_digit checks its options before reading any file.
    with pytest.raises(ValueError, match=r"`window_length` must be a positive integer"):
        data.load_spoken_digit("train", data_dir=tmp_path / "missing")
    with pytest.raises(ValueError, match=r"`encoding` must be one of"):
        data.load_spoken_digit("train", 16, encoding="mp3", data_dir=tmp_path / "missing")


def test_load_spoken_digit(data_dir, fsdd_test, fsdd_train):
    window = 1024
    dataset = data.load_spoken_digit("test", window_length=window, data_dir=data_dir,
                                     batch_size=64)
    batches = list(dataset)
    windows = np.concatenate([b[0].numpy() for b in batches])
    speakers = np.concatenate([b[1].numpy() for b in batches])
    digits = np.concatenate([b[2].numpy() for b in batches])
    assert batches[0][0].shape == (64, window, 1) and batches[0][0].dtype == tf.int32
    assert batches[0][1].dtype == batches[0][2].dtype == tf.int32
    assert len(windows) == int(np.sum(fsdd_test.lengths // window))  # hop = window
    assert windows.min() >= 0 and windows.max() <= 255
    assert set(speakers.tolist()) == set(range(6)) and set(digits.tolist()) == set(range(10))
    # Unshuffled test split: the first window is the start of the first recording.
    np.testing.assert_array_equal(
        windows[0, :, 0], data.mu_law_encode(fsdd_test.clips[0][:window]).numpy())
    assert (speakers[0], digits[0]) == (fsdd_test.speakers[0], fsdd_test.digits[0])
    pcm = next(iter(data.load_spoken_digit("test", window, data_dir=data_dir, encoding="pcm16")))
    np.testing.assert_array_equal(pcm[0].numpy()[:, 0],
                                  np.round(fsdd_test.clips[0][:window] * 32768) + 32768)
    # The shortest recordings have about 1150 samples: longer windows need pad=True.
    shortest = int(np.argmin(fsdd_train.lengths))
    length, name = fsdd_train.lengths[shortest], os.path.basename(fsdd_train.paths[shortest])
    with pytest.raises(ValueError, match=rf"`window_length` must be at most {length}, the "
                                         rf"shortest.*received 2048.*{name}'\) of {length}"):
        data.load_spoken_digit("train", window_length=2048, data_dir=data_dir)
    padded = data.load_spoken_digit("test", 2048, data_dir=data_dir, pad=True, encoding="float",
                                    batch_size=8, shuffle=True, seed=3)
    first = next(iter(padded))
    assert first[0].shape == (8, 2048, 1) and first[0].dtype == tf.float32
    again = next(iter(data.load_spoken_digit("test", 2048, data_dir=data_dir, pad=True,
                                             encoding="float", batch_size=8, shuffle=True,
                                             seed=3)))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_write_wav_round_trips_through_read_wav(tmp_path):
    wave_in = np.sin(np.linspace(0, 60, 800)).astype(np.float32) * 0.8
    path = audio.write_wav(tmp_path / "tone.wav", wave_in, 8000)
    wave_out, rate = audio.read_wav(path, sample_rate=8000)
    assert rate == 8000 and wave_out.shape == wave_in.shape
    np.testing.assert_allclose(wave_out, wave_in, atol=1.0 / 32767)
    with pytest.raises(ValueError, match="`waveform`"):
        audio.write_wav(tmp_path / "bad.wav", np.zeros([2, 10]), 8000)
    with pytest.raises(ValueError, match="`sample_rate`"):
        audio.write_wav(tmp_path / "bad.wav", wave_in, 0)


def test_tfds_spoken_digit_is_read_when_no_recordings_folder(data_dir, tmp_path):
    """A real TFDS `spoken_digit` copy prepared on disk (written with TFDS's own writer from a
    few real recordings, in the builder's features) gives the same clips and labels as the
    folder, split by the official rule, and is read only when the folder is missing."""
    tfds = pytest.importorskip("tensorflow_datasets")
    names = ["0_jackson_0.wav", "7_jackson_32.wav", "3_theo_4.wav", "9_yweweler_11.wav"]
    recordings = data_dir / "fsdd" / "recordings"
    examples = {"audio": [], "label": [], "audio/filename": []}
    for name in names:
        with wave.open(str(recordings / name), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        examples["audio"].append(samples.astype(np.int64))
        examples["label"].append(int(name[0]))
        examples["audio/filename"].append(name)
    features = tfds.builder_cls("spoken_digit")(data_dir=tmp_path / "unused").info.features
    ragged = tf.data.Dataset.from_generator(
        lambda: (dict(zip(examples, values)) for values in zip(*examples.values())),
        output_signature={"audio": tf.TensorSpec([None], tf.int64),
                          "label": tf.TensorSpec([], tf.int64),
                          "audio/filename": tf.TensorSpec([], tf.string)})
    tfds.dataset_builders.store_as_tfds_dataset(
        name="spoken_digit", version=str(tfds.builder_cls("spoken_digit").VERSION),
        features=features, split_datasets={"train": ragged}, data_dir=tmp_path)

    for split, expected in (("test", ["0_jackson_0.wav", "3_theo_4.wav"]),
                            ("train", ["7_jackson_32.wav", "9_yweweler_11.wav"])):
        from_tfds = data.load_spoken_digit_clips(split, data_dir=tmp_path)
        assert [os.path.basename(p) for p in from_tfds.paths] == expected
        assert all(p.startswith("tfds:spoken_digit/") for p in from_tfds.paths)
        for clip, name in zip(from_tfds.clips, expected):
            reference, _ = audio.read_wav(recordings / name)
            np.testing.assert_array_equal(clip, reference)
        assert from_tfds.digits.tolist() == [int(n[0]) for n in expected]
        assert from_tfds.speaker_names == ("jackson", "theo", "yweweler")
    assert data.load_spoken_digit_clips("test", data_dir=data_dir).paths[0].startswith(
        str(recordings))

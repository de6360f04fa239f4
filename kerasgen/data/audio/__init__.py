"""Audio data for WaveNet-style models: WAV files, the Free Spoken Digit Dataset, mu-law and
16-bit level encodings, and ``tf.data`` pipelines of fixed-length training windows.

* :func:`read_wav` and :func:`load_wav_folder` read 16-bit PCM mono WAV files (Python's
  ``wave`` module) as float32 clips ``x = int16 / 32768`` in ``[-1, 1)``. Other sample widths
  (8, 24, 32 bit), compressed or float WAVs and stereo files are refused with a ``ValueError``
  naming the file: nothing is downmixed or requantized silently. A requested ``sample_rate``
  that differs from a file's is an error unless ``resample=True``, which converts with
  :func:`resample_audio` (polyphase FIR, see there for its quality).
* :func:`load_spoken_digit_clips` reads the Free Spoken Digit Dataset (FSDD,
  ``{digit}_{speaker}_{index}.wav``, 8 kHz) with digit and speaker labels; speakers are indices
  into the sorted speaker names found in the folder. The official split: recordings with
  ``index`` 0-4 are ``"test"`` (300 files in FSDD v1.0.10), the rest ``"train"`` (2700).
* :func:`mu_law_encode` / :func:`mu_law_decode` (256 levels, WaveNet's softmax output) and
  :func:`to_pcm16_levels` / :func:`from_pcm16_levels` (65536 levels, for a 16-bit discretized
  logistic head) are the one place where audio becomes integer levels and back;
  :func:`encode_audio` / :func:`decode_audio` pick one of them by name.
* :func:`audio_windows` cuts windows of ``window_length`` samples (a WaveNet's receptive field
  plus the number of samples it is trained to predict) from every clip, every ``hop`` samples;
  :func:`load_spoken_digit` does so for FSDD and yields ``(window, speaker, digit)``.

Clips shorter than the window are a ``ValueError`` naming ``window_length`` unless ``pad=True``,
which left-pads them with silence (zeros, the value a WaveNet's causal padding assumes before a
clip starts) to exactly one window. Samples after a clip's last whole window are not used.

Example (``$KERASGEN_DATA_DIR`` holds ``fsdd/``, as in ``../shared/data``)::

    >>> import numpy as np
    >>> from kerasgen.data import audio
    >>> audio.mu_law_encode(np.array([-1.0, 0.0, 1.0], np.float32)).numpy().tolist()
    [0, 128, 255]
    >>> clips = audio.load_spoken_digit_clips("test")
    >>> len(clips), clips.sample_rate, clips.clips[0].dtype.name, clips.speaker_names[1]
    (300, 8000, 'float32', 'jackson')
    >>> dataset = audio.load_spoken_digit("train", window_length=1024, batch_size=8, seed=0)
    >>> windows, speakers, digits = next(iter(dataset))
    >>> tuple(windows.shape), windows.dtype.name, tuple(speakers.shape), digits.dtype.name
    ((8, 1024, 1), 'int32', (8,), 'int32')
    >>> 0 <= int(windows.numpy().min()) <= int(windows.numpy().max()) <= 255
    True

The package, one module per job:

* :mod:`kerasgen.data.audio.wav`: reading and writing WAV files, resampling, folders of WAV
  files (:class:`AudioClips`, :func:`load_wav_folder`);
* :mod:`kerasgen.data.audio.levels`: mu-law and 16-bit PCM levels;
* :mod:`kerasgen.data.audio.windows`: fixed-length training windows (:func:`audio_windows`);
* :mod:`kerasgen.data.audio.spoken_digit`: the Free Spoken Digit Dataset and the records of the
  known audio datasets.

References:
    van den Oord et al. 2016, "WaveNet: A Generative Model for Raw Audio", arXiv:1609.03499
    (mu-law companding, section 2.2). The classic implementation ``ibab/tensorflow-wavenet``
    (``wavenet/ops.py``), whose ``mu_law_encode``/``mu_law_decode`` these match.
    Jackson et al., "Free Spoken Digit Dataset",
    https://github.com/Jakobovski/free-spoken-digit-dataset
"""

from kerasgen.data.audio.levels import (
    ENCODINGS,
    PCM16_LEVELS,
    decode_audio,
    encode_audio,
    encoding_num_levels,
    from_pcm16_levels,
    mu_law_decode,
    mu_law_encode,
    to_pcm16_levels,
)
from kerasgen.data.audio.spoken_digit import (
    AUDIO_DATASETS,
    SPOKEN_DIGIT_SPLITS,
    SPOKEN_DIGIT_TEST_INDICES,
    AudioDatasetInfo,
    SpokenDigitClips,
    audio_dataset_info,
    list_audio_datasets,
    load_spoken_digit,
    load_spoken_digit_clips,
    parse_spoken_digit_filename,
    resolve_spoken_digit_dir,
)
from kerasgen.data.audio.wav import (
    AudioClips,
    load_wav_folder,
    read_wav,
    resample_audio,
    write_wav,
)
from kerasgen.data.audio.windows import (
    audio_windows,
)

__all__ = [
    "AUDIO_DATASETS",
    "ENCODINGS",
    "PCM16_LEVELS",
    "SPOKEN_DIGIT_SPLITS",
    "SPOKEN_DIGIT_TEST_INDICES",
    "AudioClips",
    "AudioDatasetInfo",
    "SpokenDigitClips",
    "audio_dataset_info",
    "audio_windows",
    "decode_audio",
    "encode_audio",
    "encoding_num_levels",
    "from_pcm16_levels",
    "list_audio_datasets",
    "load_spoken_digit",
    "load_spoken_digit_clips",
    "load_wav_folder",
    "mu_law_decode",
    "mu_law_encode",
    "parse_spoken_digit_filename",
    "read_wav",
    "resample_audio",
    "resolve_spoken_digit_dir",
    "to_pcm16_levels",
    "write_wav",
]

"""The training-image shifts of ``_data.py``: whole-pixel moves by slicing, in the TensorFlow
pipeline and in the ``PyDataset`` other Keras backends get, checked against
``shifted_images`` (the test-time shift) image by image."""

import numpy as np
import pytest

from mnistkit.neural_network._data import (
    _pad_images,
    _private_tensor,
    crop_in_chunks,
    shift_offsets,
    shifted_array_batches,
    shifted_images,
    shuffled_batches,
)


def _images(n, height=6, width=5):
    rng = np.random.default_rng(0)
    return rng.uniform(0.1, 1.0, (n, height, width, 1)).astype(np.float32)


def _moves(pixels, height, width, n):
    """The (rows down, cols right) each of a batch's n images is moved by."""
    pad_rows, pad_cols, offsets = shift_offsets(pixels, height, width)
    k = len(offsets)
    return [
        (pad_rows - offsets[j][0], pad_cols - offsets[j][1])
        for j in range(k)
        for _ in range((j * n) // k, ((j + 1) * n) // k)
    ]


def test_shift_offsets_cover_every_move_and_leave_a_one_pixel_side_alone():
    assert shift_offsets(2, 28, 28)[:2] == (2, 2)
    assert len(shift_offsets(2, 28, 28)[2]) == 25
    assert shift_offsets(1, 1, 9) == (0, 1, [(0, 0), (0, 1), (0, 2)])  # rows one pixel high
    assert shift_offsets(3, 9, 1) == (
        3,
        0,
        [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0)],
    )


def test_crop_in_chunks_moves_each_chunk_as_shifted_images_does():
    images = _images(23)
    offsets = shift_offsets(1, 6, 5)[2]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cropped = crop_in_chunks(padded, len(images), offsets, 6, 5, np.concatenate)
    assert cropped.shape == images.shape
    for image, result, move in zip(images, cropped, _moves(1, 6, 5, 23), strict=True):
        np.testing.assert_array_equal(result, shifted_images(image[None], *move)[0])
    assert len(set(_moves(1, 6, 5, 23))) == 9  # every move of up to a pixel, (0, 0) included


def _check_batch(images, batch, index, pixels):
    moves = _moves(pixels, *images.shape[1:3], len(index))
    for result, i, move in zip(batch, index, moves, strict=True):
        np.testing.assert_array_equal(result, shifted_images(images[i][None], *move)[0])


@pytest.mark.parametrize("pipeline", ["tf.data", "PyDataset"])
def test_training_batches_shift_each_image_and_repeat_with_the_seed(pipeline):
    import keras

    images = _images(40)
    index = np.arange(40, dtype=np.int64)  # the "targets": which image each row came from
    if pipeline == "tf.data":

        def first_batches(seed):
            return [tuple(np.asarray(part) for part in batch) for batch in
                    shuffled_batches(keras, (images, index), 16, seed, 2).take(3)]  # fmt: skip

    else:

        def first_batches(seed):
            dataset = shifted_array_batches(keras, (images, index), 16, seed, 2)
            batches = [dataset[step] for step in range(len(dataset))]
            dataset.on_epoch_end()
            return [*batches, dataset[0]]

    batches = first_batches(0)
    assert [len(rows) for rows, _ in batches[:3]] == [16, 16, 8]
    for rows, origin in batches:
        _check_batch(images, rows, origin, 2)
    seen = np.concatenate([origin for _, origin in batches[:3]])
    assert sorted(seen) == list(range(40))  # one epoch: every image once
    again = first_batches(0)
    for (rows, origin), (rows_again, origin_again) in zip(batches, again, strict=True):
        np.testing.assert_array_equal(rows, rows_again)
        np.testing.assert_array_equal(origin, origin_again)
    other = first_batches(1)
    assert not np.array_equal(other[0][1], batches[0][1])


def test_the_padded_images_are_shared_with_tensorflow_not_copied():
    import tensorflow as tf

    images = _images(3)
    padded = _pad_images(images, 2, 1)
    np.testing.assert_array_equal(padded, np.pad(images, ((0, 0), (2, 2), (1, 1), (0, 0))))
    assert padded.ctypes.data % 64 == 0  # TensorFlow's alignment
    tensor = _private_tensor(tf, padded)
    padded[0, 0, 0, 0] = 7.0  # the tensor reads the array's own memory
    assert float(tensor[0, 0, 0, 0]) == 7.0
    unaligned = np.zeros(3 * 8 * 7 + 1, np.float32)[1:].reshape(3, 8, 7, 1)
    copied = _private_tensor(tf, unaligned)  # not shareable: copied, as tf.constant does
    unaligned[0, 0, 0, 0] = 7.0
    assert float(copied[0, 0, 0, 0]) == 0.0

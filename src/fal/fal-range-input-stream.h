/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * FalRangeInputStream:
 *
 * The bytes [offset, offset + length) of a file, then EOF. libsoup 3.2
 * reads a request body stream to its end whatever Content-Length says, so
 * a part of a multipart upload needs a stream that stops at the part's
 * end. The file is opened on the first read (in whichever thread reads),
 * so creating one does no I/O. A file shorter than the range is an error
 * (%G_IO_ERROR_PARTIAL_INPUT), not a quiet early EOF: the upload must not
 * send fewer bytes than it announced.
 */
#define FAL_TYPE_RANGE_INPUT_STREAM (fal_range_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (FalRangeInputStream, fal_range_input_stream, FAL, RANGE_INPUT_STREAM, GInputStream)

/**
 * fal_range_input_stream_new:
 * @file: a file
 * @offset: the first byte
 * @length: how many bytes
 *
 * Returns: (transfer full): the stream
 */
GInputStream *fal_range_input_stream_new        (GFile   *file,
                                                 goffset  offset,
                                                 goffset  length);

/**
 * fal_range_input_stream_get_position:
 * @self: a stream
 *
 * Returns: the bytes returned so far
 */
goffset       fal_range_input_stream_get_position (FalRangeInputStream *self);
/**
 * fal_range_input_stream_get_file_error:
 * @self: a stream
 *
 * The error of a failed read of the file itself (open, seek, read, or a
 * file shorter than the range): a reader that also writes to the network
 * (libsoup) can then tell a disk problem from a network one.
 *
 * Returns: (transfer none) (nullable): the error, or %NULL
 */
const GError *fal_range_input_stream_get_file_error (FalRangeInputStream *self);

G_END_DECLS

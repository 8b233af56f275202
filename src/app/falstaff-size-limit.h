/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GConverter that passes bytes through unchanged until more than
 * max_bytes have gone by, then fails with G_IO_ERROR_MESSAGE_TOO_LARGE:
 * wrapped around a download's body (GConverterInputStream), it bounds
 * what a server can make the app write. */
#define FALSTAFF_TYPE_SIZE_LIMIT (falstaff_size_limit_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSizeLimit, falstaff_size_limit, FALSTAFF, SIZE_LIMIT, GObject)

FalstaffSizeLimit *falstaff_size_limit_new       (guint64 max_bytes);
/* The error it fails with, for a size known to be too large up front. */
GError            *falstaff_size_limit_error_new (guint64 max_bytes);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>
#include <glib.h>

G_BEGIN_DECLS

/* base64url without padding (RFC 4648 §5), as JWTs, JWKs and the
 * catalog's cursors carry binary values in text that needs no escaping. */
static inline char *
fal_local_base64url_encode (const guchar *data,
                            gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *pad = strchr (text, '=');

  if (pad)
    *pad = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

G_END_DECLS

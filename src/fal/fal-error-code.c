/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"

/* The GType of FalErrorCode, for bindings (see fal-error.h). */
G_DEFINE_ENUM_TYPE (FalErrorCode, fal_error,
  G_DEFINE_ENUM_VALUE (FAL_ERROR_INVALID_ENDPOINT, "invalid-endpoint"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_MISSING_KEY, "missing-key"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_UNAUTHORIZED, "unauthorized"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_FORBIDDEN, "forbidden"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_NOT_FOUND, "not-found"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_VALIDATION, "validation"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_RATE_LIMITED, "rate-limited"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_TIMEOUT, "timeout"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_SERVER, "server"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_NETWORK, "network"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_PROTOCOL, "protocol"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_CANCELLED, "cancelled"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_APP, "app"),
  G_DEFINE_ENUM_VALUE (FAL_ERROR_INSECURE_URL, "insecure-url"))

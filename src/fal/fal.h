/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libfal: the fal.ai protocol on a GLib main loop. */

#include "fal-auto-upload.h"
#include "fal-catalog.h"
#include "fal-client.h"
#include "fal-credentials.h"
#include "fal-endpoint-id.h"
#include "fal-error.h"
#include "fal-file-name.h"
#include "fal-form-field.h"
#include "fal-form-model.h"
#include "fal-schema-cache.h"
#include "fal-job.h"
#include "fal-json.h"
#include "fal-log-entry.h"
#include "fal-log-list.h"
#include "fal-model.h"
#include "fal-pricing.h"
#include "fal-range-input-stream.h"
#include "fal-request.h"
#include "fal-retry.h"
#include "fal-sse-parser.h"
#include "fal-stream.h"
#include "fal-upload.h"

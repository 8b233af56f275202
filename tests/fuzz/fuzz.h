/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Each fuzz target defines this; libFuzzer calls it (meson -Dfuzz=true,
 * clang), and fuzz-replay.c calls it on saved inputs in every build. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

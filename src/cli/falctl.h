/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes, documented in docs/falctl.md. */
enum {
  FALCTL_EXIT_OK = 0,
  FALCTL_EXIT_FAILED = 1,
  FALCTL_EXIT_USAGE = 2,
  FALCTL_EXIT_AUTH = 3,
  FALCTL_EXIT_VALIDATION = 4,
  FALCTL_EXIT_NETWORK = 5,
  FALCTL_EXIT_NOT_FOUND = 6,
  FALCTL_EXIT_INTERRUPTED = 130,
};

int falctl_serve           (int    argc,
                            char **argv);
int falctl_run             (int    argc,
                            char **argv);
/* status, result and cancel: argv[0] says which. */
int falctl_request_command (int    argc,
                            char **argv);
int falctl_key             (int    argc,
                            char **argv);
int falctl_schema          (int    argc,
                            char **argv);
int falctl_upload          (int    argc,
                            char **argv);
int falctl_models          (int    argc,
                            char **argv);
int falctl_price           (int    argc,
                            char **argv);

G_END_DECLS

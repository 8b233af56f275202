/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "falctl.h"

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "run", falctl_run, "Run an endpoint (queue, --sync or --stream) and print its result" },
  { "status", falctl_request_command, "Print a queued request's status" },
  { "result", falctl_request_command, "Print a queued request's result" },
  { "cancel", falctl_request_command, "Cancel a queued request" },
  { "key", falctl_key, "Store, forget or locate the fal key (set|forget|show-source)" },
  { "upload", falctl_upload, "Upload a file to fal's storage and print its URL" },
  { "schema", falctl_schema, "Print an endpoint's input form (kinds, defaults, bounds) as JSON" },
  { "models", falctl_models, "List or search fal's models (--all for every page, --json)" },
  { "price", falctl_price, "Print what endpoints cost per unit, and estimates (--estimate N)" },
  { "serve", falctl_serve, "Run the local fal server on 127.0.0.1" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: falctl COMMAND [OPTION…]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'falctl COMMAND --help' for a command's options.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* falctl speaks English, scripts read it: libfal's messages (translated
   * for the app, src/fal/fal-i18n-private.h) and GLib's stay English too,
   * even where an installed catalog could translate them. */
  setlocale (LC_MESSAGES, "C");

  if (argc < 2)
    {
      usage (stderr);
      return FALCTL_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      usage (stdout);
      return FALCTL_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("falctl %s\n", PACKAGE_VERSION);
      return FALCTL_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "falctl: unknown command '%s'\n", argv[1]);
  usage (stderr);
  return FALCTL_EXIT_USAGE;
}

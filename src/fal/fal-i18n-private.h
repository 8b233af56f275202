/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libfal's messages reach people through the app (errors, form checks,
 * prices), so they are translated, in the app's own text domain
 * (GETTEXT_PACKAGE, "falstaff"): one catalog for both. _() here is
 * g_dgettext (GETTEXT_PACKAGE, …), so it needs no textdomain() call; the
 * program binds the domain (src/app/main.c). A program that binds
 * nothing (falctl) gets the English text. */
#include "config.h"

#include <glib/gi18n-lib.h>

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-log-entry.h"

#include <string.h>

/* A flood brings 100,000 of these: one block holds all four strings, so
 * a line costs two allocations (the object, the block), not five
 * (bench-logs). Nothing is interned: the words come from the server. */
struct _FalLogEntry
{
  GObject parent_instance;

  char *message;               /* the block: message, level, source, timestamp */
  const char *level;           /* in the block */
  const char *source;          /* in the block, or NULL */
  const char *timestamp;       /* in the block, or NULL */
};

/* Copies text to *at and moves it past; NULL stays NULL. */
static const char *
put (char       **at,
     const char  *text)
{
  gsize length;
  char *start = *at;

  if (text == NULL)
    return NULL;
  length = strlen (text) + 1;
  memcpy (start, text, length);
  *at += length;
  return start;
}

G_DEFINE_FINAL_TYPE (FalLogEntry, fal_log_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MESSAGE,
  PROP_LEVEL,
  PROP_SOURCE,
  PROP_TIMESTAMP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
fal_log_entry_finalize (GObject *object)
{
  FalLogEntry *self = (FalLogEntry *)object;

  g_free (self->message);

  G_OBJECT_CLASS (fal_log_entry_parent_class)->finalize (object);
}

static void
fal_log_entry_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  FalLogEntry *self = FAL_LOG_ENTRY (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_LEVEL:
      g_value_set_string (value, self->level);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_TIMESTAMP:
      g_value_set_string (value, self->timestamp);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_log_entry_class_init (FalLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fal_log_entry_finalize;
  object_class->get_property = fal_log_entry_get_property;

  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LEVEL] = g_param_spec_string ("level", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMESTAMP] = g_param_spec_string ("timestamp", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_log_entry_init (FalLogEntry *self)
{
}

FalLogEntry *
fal_log_entry_new (const char *message,
                   const char *level,
                   const char *source,
                   const char *timestamp)
{
  FalLogEntry *self = g_object_new (FAL_TYPE_LOG_ENTRY, NULL);
  char *at;

  message = message ? message : "";
  level = level ? level : "INFO";
  at = self->message = g_malloc (strlen (message) + 1 + strlen (level) + 1 +
                                 (source ? strlen (source) + 1 : 0) + (timestamp ? strlen (timestamp) + 1 : 0));
  put (&at, message);
  self->level = put (&at, level);
  self->source = put (&at, source);
  self->timestamp = put (&at, timestamp);
  return self;
}

const char *fal_log_entry_get_message (FalLogEntry *self) { g_return_val_if_fail (FAL_IS_LOG_ENTRY (self), NULL); return self->message; }
const char *fal_log_entry_get_level (FalLogEntry *self) { g_return_val_if_fail (FAL_IS_LOG_ENTRY (self), NULL); return self->level; }
const char *fal_log_entry_get_source (FalLogEntry *self) { g_return_val_if_fail (FAL_IS_LOG_ENTRY (self), NULL); return self->source; }
const char *fal_log_entry_get_timestamp (FalLogEntry *self) { g_return_val_if_fail (FAL_IS_LOG_ENTRY (self), NULL); return self->timestamp; }

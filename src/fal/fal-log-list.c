/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-json-private.h"
#include "fal-log-list.h"

struct _FalLogList
{
  GObject parent_instance;

  GPtrArray *entries;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalLogList, fal_log_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
get_item_type (GListModel *model)
{
  return FAL_TYPE_LOG_ENTRY;
}

static guint
get_n_items (GListModel *model)
{
  return FAL_LOG_LIST (model)->entries->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  FalLogList *self = FAL_LOG_LIST (model);

  if (position >= self->entries->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->entries, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
fal_log_list_finalize (GObject *object)
{
  FalLogList *self = (FalLogList *)object;

  /* 100,000 entries take tens of milliseconds to free. */
  if (self->entries->len > FAL_FREE_LATER_ITEMS)
    _fal_free_later (self->entries, (GDestroyNotify) g_ptr_array_unref);
  else
    g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (fal_log_list_parent_class)->finalize (object);
}

static void
fal_log_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FalLogList *self = FAL_LOG_LIST (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->entries->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_log_list_class_init (FalLogListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fal_log_list_finalize;
  object_class->get_property = fal_log_list_get_property;

  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_log_list_init (FalLogList *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
}

FalLogList *
fal_log_list_new (void)
{
  return g_object_new (FAL_TYPE_LOG_LIST, NULL);
}

void
fal_log_list_append (FalLogList *self,
                     GPtrArray  *entries)
{
  guint position;

  g_return_if_fail (FAL_IS_LOG_LIST (self));

  if (entries == NULL || entries->len == 0)
    return;

  position = self->entries->len;
  {
    gsize n = 0;
    /* Steals without calling the array's free function. */
    g_autofree gpointer *taken = g_ptr_array_steal (entries, &n);

    for (gsize i = 0; i < n; i++)
      g_ptr_array_add (self->entries, taken[i]);
  }

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->entries->len - position);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

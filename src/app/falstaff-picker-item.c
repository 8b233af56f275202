/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-picker-item.h"

struct _FalstaffPickerItem
{
  GObject parent_instance;

  char *title;
  FalstaffEndpointInfo *info;
};

G_DEFINE_FINAL_TYPE (FalstaffPickerItem, falstaff_picker_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_INFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
falstaff_picker_item_finalize (GObject *object)
{
  FalstaffPickerItem *self = (FalstaffPickerItem *)object;

  g_clear_pointer (&self->title, g_free);
  g_clear_object (&self->info);

  G_OBJECT_CLASS (falstaff_picker_item_parent_class)->finalize (object);
}

static void
falstaff_picker_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  FalstaffPickerItem *self = FALSTAFF_PICKER_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, falstaff_picker_item_get_title (self));
      break;
    case PROP_INFO:
      g_value_set_object (value, self->info);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_picker_item_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  FalstaffPickerItem *self = FALSTAFF_PICKER_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      self->title = g_value_dup_string (value);
      break;
    case PROP_INFO:
      self->info = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_picker_item_class_init (FalstaffPickerItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = falstaff_picker_item_finalize;
  object_class->get_property = falstaff_picker_item_get_property;
  object_class->set_property = falstaff_picker_item_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INFO] =
    g_param_spec_object ("info", NULL, NULL, FALSTAFF_TYPE_ENDPOINT_INFO,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
falstaff_picker_item_init (FalstaffPickerItem *self)
{
}

FalstaffPickerItem *
falstaff_picker_item_new_header (const char *title)
{
  g_return_val_if_fail (title != NULL, NULL);

  return g_object_new (FALSTAFF_TYPE_PICKER_ITEM, "title", title, NULL);
}

FalstaffPickerItem *
falstaff_picker_item_new_endpoint (FalstaffEndpointInfo *info)
{
  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_INFO (info), NULL);

  return g_object_new (FALSTAFF_TYPE_PICKER_ITEM, "info", info, NULL);
}

gboolean
falstaff_picker_item_is_header (FalstaffPickerItem *self)
{
  g_return_val_if_fail (FALSTAFF_IS_PICKER_ITEM (self), FALSE);

  return self->info == NULL;
}

const char *
falstaff_picker_item_get_title (FalstaffPickerItem *self)
{
  g_return_val_if_fail (FALSTAFF_IS_PICKER_ITEM (self), NULL);

  return self->info ? falstaff_endpoint_info_get_id (self->info) : self->title;
}

FalstaffEndpointInfo *
falstaff_picker_item_get_info (FalstaffPickerItem *self)
{
  g_return_val_if_fail (FALSTAFF_IS_PICKER_ITEM (self), NULL);

  return self->info;
}

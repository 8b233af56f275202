/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include "fal.h"

#include "falstaff-catalog.h"

#define CATALOG_RESOURCE "/io/github/falstaff/Falstaff/catalog.json"

struct _FalstaffCatalog
{
  GObject parent_instance;

  GPtrArray *entries;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalstaffCatalog, falstaff_catalog, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return FALSTAFF_TYPE_ENDPOINT_INFO;
}

static guint
get_n_items (GListModel *model)
{
  return FALSTAFF_CATALOG (model)->entries->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  FalstaffCatalog *self = FALSTAFF_CATALOG (model);

  return position < self->entries->len ? g_object_ref (g_ptr_array_index (self->entries, position)) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
falstaff_catalog_finalize (GObject *object)
{
  FalstaffCatalog *self = (FalstaffCatalog *)object;

  g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (falstaff_catalog_parent_class)->finalize (object);
}

static void
falstaff_catalog_class_init (FalstaffCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = falstaff_catalog_finalize;
}

static void
falstaff_catalog_init (FalstaffCatalog *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
}

FalstaffCatalog *
falstaff_catalog_new (GError **error)
{
  g_autoptr(FalstaffCatalog) self = g_object_new (FALSTAFF_TYPE_CATALOG, NULL);
  g_autoptr(GBytes) bytes = g_resources_lookup_data (CATALOG_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *endpoints;

  if (bytes == NULL)
    return NULL;
  root = fal_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
  if (root == NULL)
    return NULL;
  endpoints = JSON_NODE_HOLDS_OBJECT (root) ? fal_json_get_array (json_node_get_object (root), "endpoints") : NULL;
  if (endpoints == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The catalog has no endpoints"));
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (endpoints); i++)
    {
      JsonNode *element = json_array_get_element (endpoints, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *id = entry ? fal_json_get_string (entry, "id") : NULL;

      if (id == NULL)
        continue;
      g_ptr_array_add (self->entries,
                       falstaff_endpoint_info_new (id,
                                                   fal_json_get_string (entry, "category"),
                                                   fal_json_get_string (entry, "description"),
                                                   json_object_get_boolean_member_with_default (entry, "streams", FALSE),
                                                   json_object_get_boolean_member_with_default (entry, "local", FALSE)));
    }
  return g_steal_pointer (&self);
}

FalstaffEndpointInfo *
falstaff_catalog_lookup (FalstaffCatalog *self,
                         const char      *endpoint_id)
{
  g_return_val_if_fail (FALSTAFF_IS_CATALOG (self), NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      FalstaffEndpointInfo *info = g_ptr_array_index (self->entries, i);

      if (g_str_equal (falstaff_endpoint_info_get_id (info), endpoint_id))
        return info;
    }
  return NULL;
}

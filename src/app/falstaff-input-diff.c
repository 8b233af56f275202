/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>

#include "falstaff-input-diff.h"

static gboolean values_equal (JsonNode *a,
                              JsonNode *b);

static gboolean
is_number (JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  return JSON_NODE_HOLDS_VALUE (node) && (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE);
}

static gboolean
values_equal (JsonNode *a,
              JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  /* 4 and 4.0 are the same to the model. */
  if (is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *x = json_node_get_array (a), *y = json_node_get_array (b);

      if (json_array_get_length (x) != json_array_get_length (y))
        return FALSE;
      for (guint i = 0; i < json_array_get_length (x); i++)
        if (!values_equal (json_array_get_element (x, i), json_array_get_element (y, i)))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_OBJECT (a))
    {
      JsonObject *x = json_node_get_object (a), *y = json_node_get_object (b);
      g_autoptr(GList) names = json_object_get_members (x);

      if (json_object_get_size (x) != json_object_get_size (y))
        return FALSE;
      for (GList *l = names; l; l = l->next)
        if (!values_equal (json_object_get_member (x, l->data), json_object_get_member (y, l->data)))
          return FALSE;
      return TRUE;
    }
  return json_node_equal (a, b);
}

static JsonObject *
as_object (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

char **
falstaff_input_all_keys (JsonNode **inputs,
                         guint      n_inputs)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *keys = g_ptr_array_new ();

  for (guint i = 0; i < n_inputs; i++)
    {
      JsonObject *object = as_object (inputs[i]);
      g_autoptr(GList) names = object ? json_object_get_members (object) : NULL;

      for (GList *l = names; l; l = l->next)
        if (g_hash_table_add (seen, l->data))
          g_ptr_array_add (keys, g_strdup (l->data));
    }
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (keys, FALSE);
}

char **
falstaff_input_diff_keys (JsonNode **inputs,
                          guint      n_inputs)
{
  g_auto(GStrv) all = falstaff_input_all_keys (inputs, n_inputs);
  GPtrArray *keys = g_ptr_array_new ();

  for (guint k = 0; all[k]; k++)
    {
      JsonObject *first = as_object (inputs[0]);
      JsonNode *value = first ? json_object_get_member (first, all[k]) : NULL;

      for (guint i = 1; i < n_inputs; i++)
        {
          JsonObject *other = as_object (inputs[i]);

          if (!values_equal (value, other ? json_object_get_member (other, all[k]) : NULL))
            {
              g_ptr_array_add (keys, g_strdup (all[k]));
              break;
            }
        }
    }
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (keys, FALSE);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "notification-server.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

static GDBusConnection *connection;
static GPtrArray *received;
static guint32 last_id;
static gboolean owned;
static gboolean served_elsewhere;

static void
method_call (GDBusConnection       *bus,
             const char            *sender,
             const char            *object_path,
             const char            *interface_name,
             const char            *method_name,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               data)
{
  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary, *body;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 4, "&s", &body);
      g_ptr_array_add (received, g_strdup_printf ("%s\n%s", summary, body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", ++last_id));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "falstaff", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

static void
bus_acquired_cb (GDBusConnection *bus,
                 const char      *name,
                 gpointer         data)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);

  connection = g_object_ref (bus);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                     &vtable, NULL, NULL, NULL);
}

static void
name_acquired_cb (GDBusConnection *bus,
                  const char      *name,
                  gpointer         data)
{
  owned = TRUE;
}

/* Another test process on this bus serves them already (a child of a
 * test): that one records them. */
static void
name_lost_cb (GDBusConnection *bus,
              const char      *name,
              gpointer         data)
{
  served_elsewhere = TRUE;
}

void
notification_server_start (void)
{
  received = g_ptr_array_new_with_free_func (g_free);
  g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications", G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                  bus_acquired_cb, name_acquired_cb, name_lost_cb, NULL, NULL);
  while (!owned && !served_elsewhere)
    g_main_context_iteration (NULL, TRUE);
}

GPtrArray *
notification_server_get_received (void)
{
  return received;
}

void
notification_server_click (guint32 id)
{
  g_dbus_connection_emit_signal (connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", id, "default"), NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "falstaff-compare-slider.h"

/* How close to the divider a press grabs it, in pixels. */
#define GRAB_DISTANCE 24.0
#define KEY_STEP 0.05
#define FINE_KEY_STEP 0.01
#define ZOOM_STEP 1.25
#define PAN_STEP 0.05

struct _FalstaffCompareSlider
{
  GtkWidget parent_instance;

  GdkPaintable *before;
  GdkPaintable *after;
  double position;
  double zoom;
  double center_x;              /* the pictures' point at the centre */
  double center_y;

  /* A drag: the divider's, or a pan (from these). */
  gboolean panning;
  double pan_start_x;
  double pan_start_y;
};

G_DEFINE_FINAL_TYPE (FalstaffCompareSlider, falstaff_compare_slider, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_POSITION,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The pictures' rectangle: fitted to the widget, then zoomed about the
 * centre point. */
static graphene_rect_t
picture_rect (FalstaffCompareSlider *self)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double ratio = self->before ? gdk_paintable_get_intrinsic_aspect_ratio (self->before) : 1.0;
  double w, h;

  if (ratio <= 0)
    ratio = 1.0;
  if (width / height > ratio)
    {
      h = height;
      w = height * ratio;
    }
  else
    {
      w = width;
      h = width / ratio;
    }
  w *= self->zoom;
  h *= self->zoom;
  return GRAPHENE_RECT_INIT (width / 2 - self->center_x * w, height / 2 - self->center_y * h, w, h);
}

/* Keeps the pictures on screen: when zoomed, the centre point stays far
 * enough from the edges that no empty band shows. */
static void
clamp_center (FalstaffCompareSlider *self)
{
  double half = 0.5 / self->zoom;

  self->center_x = CLAMP (self->center_x, half, 1.0 - half);
  self->center_y = CLAMP (self->center_y, half, 1.0 - half);
}

static void
update_accessible (FalstaffCompareSlider *self)
{
  g_autofree char *text = g_strdup_printf (_("Divider at %.0f %%, zoom %.0f %%"), self->position * 100, self->zoom * 100);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, self->position * 100,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text,
                                  -1);
}

static void
pan_by (FalstaffCompareSlider *self,
        double                 dx,
        double                 dy)
{
  self->center_x += dx;
  self->center_y += dy;
  clamp_center (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
snapshot_clipped (GtkSnapshot     *snapshot,
                  GdkPaintable    *paintable,
                  graphene_rect_t *clip,
                  graphene_rect_t *rect)
{
  if (paintable == NULL || clip->size.width <= 0)
    return;
  gtk_snapshot_push_clip (snapshot, clip);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &rect->origin);
  gdk_paintable_snapshot (paintable, snapshot, rect->size.width, rect->size.height);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);
}

static void
falstaff_compare_slider_snapshot (GtkWidget   *widget,
                                  GtkSnapshot *snapshot)
{
  FalstaffCompareSlider *self = FALSTAFF_COMPARE_SLIDER (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double divider = round (self->position * width);
  graphene_rect_t rect = picture_rect (self);
  graphene_rect_t left = GRAPHENE_RECT_INIT (0, 0, divider, height);
  graphene_rect_t right = GRAPHENE_RECT_INIT (divider, 0, width - divider, height);
  GdkRGBA line = { 1, 1, 1, 0.9 };
  GdkRGBA shade = { 0, 0, 0, 0.45 };
  GskRoundedRect handle;

  snapshot_clipped (snapshot, self->before, &left, &rect);
  snapshot_clipped (snapshot, self->after, &right, &rect);

  /* The divider, and a handle a person can see and grab. */
  gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (divider - 2, 0, 4, height));
  gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (divider - 1, 0, 2, height));
  gsk_rounded_rect_init_from_rect (&handle, &GRAPHENE_RECT_INIT (divider - 8, height / 2 - 24, 16, 48), 8);
  gtk_snapshot_push_rounded_clip (snapshot, &handle);
  gtk_snapshot_append_color (snapshot, &line, &handle.bounds);
  gtk_snapshot_pop (snapshot);
}

static void
drag_begin_cb (GtkGestureDrag        *gesture,
               double                 x,
               double                 y,
               FalstaffCompareSlider *self)
{
  double divider = self->position * gtk_widget_get_width (GTK_WIDGET (self));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  /* Zoomed, a press away from the divider moves the pictures; anywhere
   * else it moves the divider there. */
  self->panning = self->zoom > 1.0 && fabs (x - divider) > GRAB_DISTANCE;
  self->pan_start_x = self->center_x;
  self->pan_start_y = self->center_y;
  if (!self->panning)
    falstaff_compare_slider_set_position (self, x / MAX (1, gtk_widget_get_width (GTK_WIDGET (self))));
}

static void
drag_update_cb (GtkGestureDrag        *gesture,
                double                 offset_x,
                double                 offset_y,
                FalstaffCompareSlider *self)
{
  double start_x, start_y;

  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);
  if (self->panning)
    {
      graphene_rect_t rect = picture_rect (self);

      self->center_x = self->pan_start_x - offset_x / rect.size.width;
      self->center_y = self->pan_start_y - offset_y / rect.size.height;
      clamp_center (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    falstaff_compare_slider_set_position (self, (start_x + offset_x) / MAX (1, gtk_widget_get_width (GTK_WIDGET (self))));
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           FalstaffCompareSlider    *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (!(state & GDK_CONTROL_MASK) || dy == 0)
    return FALSE;
  falstaff_compare_slider_set_zoom (self, self->zoom * (dy < 0 ? ZOOM_STEP : 1 / ZOOM_STEP));
  return TRUE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                FalstaffCompareSlider *self)
{
  double step = (state & GDK_SHIFT_MASK) ? FINE_KEY_STEP : KEY_STEP;
  gboolean control = (state & GDK_CONTROL_MASK) != 0;
  double pan = PAN_STEP / self->zoom;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      if (control)
        pan_by (self, -pan, 0);
      else
        falstaff_compare_slider_set_position (self, self->position - step);
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      if (control)
        pan_by (self, pan, 0);
      else
        falstaff_compare_slider_set_position (self, self->position + step);
      return TRUE;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!control)
        return FALSE;
      pan_by (self, 0, -pan);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (!control)
        return FALSE;
      pan_by (self, 0, pan);
      return TRUE;
    case GDK_KEY_Home:
      falstaff_compare_slider_set_position (self, 0);
      return TRUE;
    case GDK_KEY_End:
      falstaff_compare_slider_set_position (self, 1);
      return TRUE;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      falstaff_compare_slider_set_zoom (self, self->zoom * ZOOM_STEP);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      falstaff_compare_slider_set_zoom (self, self->zoom / ZOOM_STEP);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
      falstaff_compare_slider_set_zoom (self, 1.0);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
paintable_invalidated_cb (FalstaffCompareSlider *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_paintable (FalstaffCompareSlider  *self,
               GdkPaintable          **slot,
               GdkPaintable           *paintable)
{
  if (*slot)
    g_signal_handlers_disconnect_by_func (*slot, paintable_invalidated_cb, self);
  g_set_object (slot, paintable);
  if (paintable)
    g_signal_connect_swapped (paintable, "invalidate-contents", G_CALLBACK (paintable_invalidated_cb), self);
}

static void
falstaff_compare_slider_dispose (GObject *object)
{
  FalstaffCompareSlider *self = FALSTAFF_COMPARE_SLIDER (object);

  set_paintable (self, &self->before, NULL);
  set_paintable (self, &self->after, NULL);
  G_OBJECT_CLASS (falstaff_compare_slider_parent_class)->dispose (object);
}

static void
falstaff_compare_slider_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  FalstaffCompareSlider *self = FALSTAFF_COMPARE_SLIDER (object);

  switch (prop_id)
    {
    case PROP_POSITION: g_value_set_double (value, self->position); break;
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_compare_slider_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  FalstaffCompareSlider *self = FALSTAFF_COMPARE_SLIDER (object);

  switch (prop_id)
    {
    case PROP_POSITION: falstaff_compare_slider_set_position (self, g_value_get_double (value)); break;
    case PROP_ZOOM: falstaff_compare_slider_set_zoom (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_compare_slider_class_init (FalstaffCompareSliderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_compare_slider_dispose;
  object_class->get_property = falstaff_compare_slider_get_property;
  object_class->set_property = falstaff_compare_slider_set_property;
  widget_class->snapshot = falstaff_compare_slider_snapshot;

  properties[PROP_POSITION] = g_param_spec_double ("position", NULL, NULL, 0, 1, 0.5,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 1, FALSTAFF_COMPARE_SLIDER_MAX_ZOOM, 1,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "falstaff-compare-slider");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
falstaff_compare_slider_init (FalstaffCompareSlider *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  self->position = 0.5;
  self->zoom = 1.0;
  self->center_x = self->center_y = 0.5;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");

  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Before and after: move the divider with Left and Right"), -1);
  update_accessible (self);
}

GtkWidget *
falstaff_compare_slider_new (void)
{
  return g_object_new (FALSTAFF_TYPE_COMPARE_SLIDER, NULL);
}

void
falstaff_compare_slider_set_paintables (FalstaffCompareSlider *self,
                                        GdkPaintable          *before,
                                        GdkPaintable          *after)
{
  g_return_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self));

  set_paintable (self, &self->before, before);
  set_paintable (self, &self->after, after);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
falstaff_compare_slider_get_position (FalstaffCompareSlider *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self), 0);
  return self->position;
}

void
falstaff_compare_slider_set_position (FalstaffCompareSlider *self,
                                      double                 position)
{
  g_return_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self));

  /* Key steps land on round figures, not 0.49999… */
  position = round (CLAMP (position, 0.0, 1.0) * 1000) / 1000;
  if (position == self->position)
    return;
  self->position = position;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

double
falstaff_compare_slider_get_zoom (FalstaffCompareSlider *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self), 1);
  return self->zoom;
}

void
falstaff_compare_slider_set_zoom (FalstaffCompareSlider *self,
                                  double                 zoom)
{
  g_return_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self));

  zoom = CLAMP (zoom, 1.0, FALSTAFF_COMPARE_SLIDER_MAX_ZOOM);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  clamp_center (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
falstaff_compare_slider_get_center (FalstaffCompareSlider *self,
                                    double                *x,
                                    double                *y)
{
  g_return_if_fail (FALSTAFF_IS_COMPARE_SLIDER (self));
  *x = self->center_x;
  *y = self->center_y;
}

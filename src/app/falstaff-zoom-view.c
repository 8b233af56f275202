/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>

#include "falstaff-image-loader.h"
#include "falstaff-zoom-view.h"

#define MIN_ZOOM 0.01
#define MAX_ZOOM 32.0
#define ZOOM_STEP 1.25
/* Levels are halved down to this side. */
#define SMALLEST_LEVEL 256

/* The pixels of one rendered frame: a rectangle of the image scaled by
 * zoom × scale factor, in device pixels of the scaled image. */
typedef struct {
  double zoom;
  int scale;
  int x, y, width, height;
} FrameKey;

struct _FalstaffZoomView
{
  GtkWidget parent_instance;

  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  guint hscroll_policy : 1;
  guint vscroll_policy : 1;
  guint fit : 1;
  guint loading : 1;
  guint rendering : 1;

  GCancellable *cancellable;
  GPtrArray *levels;        /* GdkPixbuf: the full image, then halves */
  int image_width;
  int image_height;
  char *error_message;
  double zoom;

  GdkTexture *frame;
  FrameKey frame_key;
  int drawn_width;
  int drawn_height;
  guint n_renders;

  double drag_start_x;
  double drag_start_y;
  double gesture_start_zoom;
  double pointer_x;
  double pointer_y;
  gboolean has_pointer;
};

static void falstaff_zoom_view_scrollable_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalstaffZoomView, falstaff_zoom_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, falstaff_zoom_view_scrollable_init))

enum {
  PROP_0,
  PROP_ZOOM,
  PROP_FIT,
  PROP_LOADING,
  PROP_IMAGE_WIDTH,
  PROP_IMAGE_HEIGHT,
  PROP_ERROR_MESSAGE,
  N_PROPS,

  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

static void
falstaff_zoom_view_scrollable_init (GtkScrollableInterface *iface)
{
}

/* ------------------------------------------------------------------ geometry */

static double
fit_zoom (FalstaffZoomView *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->levels == NULL || width <= 0 || height <= 0)
    return 1.0;
  return CLAMP (MIN ((double) width / self->image_width, (double) height / self->image_height), MIN_ZOOM, 1.0);
}

/* Where the image's left edge is in the widget: centred when smaller than
 * the view, else scrolled. */
static double
origin (GtkAdjustment *adjustment,
        int            view_size,
        double         content_size)
{
  if (content_size <= view_size)
    return floor ((view_size - content_size) / 2);
  return -gtk_adjustment_get_value (adjustment);
}

static void
configure_adjustment (GtkAdjustment *adjustment,
                      double         value,
                      double         content_size,
                      int            view_size)
{
  double upper = MAX (content_size, view_size);

  value = CLAMP (round (value), 0, upper - view_size);
  gtk_adjustment_configure (adjustment, value, 0, upper, view_size * 0.1, view_size * 0.9, view_size);
}

static void
configure_adjustments (FalstaffZoomView *self,
                       double            hvalue,
                       double            vvalue)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  configure_adjustment (self->hadjustment, hvalue, self->image_width * self->zoom, width);
  configure_adjustment (self->vadjustment, vvalue, self->image_height * self->zoom, height);
}

/* The frame the view needs now: the visible part of the scaled image, in
 * device pixels, never larger than the view. */
static void
wanted_frame (FalstaffZoomView *self,
              FrameKey         *key)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int content_width = MAX (1, (int) round (self->image_width * self->zoom * scale));
  int content_height = MAX (1, (int) round (self->image_height * self->zoom * scale));
  double x = MAX (0, -origin (self->hadjustment, width, self->image_width * self->zoom));
  double y = MAX (0, -origin (self->vadjustment, height, self->image_height * self->zoom));

  key->zoom = self->zoom;
  key->scale = scale;
  key->x = CLAMP ((int) floor (x * scale), 0, content_width - 1);
  key->y = CLAMP ((int) floor (y * scale), 0, content_height - 1);
  key->width = MAX (1, MIN (width * scale, content_width - key->x));
  key->height = MAX (1, MIN (height * scale, content_height - key->y));
}

static gboolean
frame_key_equal (const FrameKey *a,
                 const FrameKey *b)
{
  return a->zoom == b->zoom && a->scale == b->scale && a->x == b->x && a->y == b->y &&
         a->width == b->width && a->height == b->height;
}

/* ------------------------------------------------------------------ rendering */

typedef struct {
  GPtrArray *levels;
  int image_width;
  int image_height;
  FrameKey key;
} Render;

static void
render_free (gpointer data)
{
  Render *render = data;

  g_ptr_array_unref (render->levels);
  g_free (render);
}

/* Cairo's layout (premultiplied BGRA in native order, GDK_MEMORY_DEFAULT)
 * so that drawing the frame is a plain copy. */
static GBytes *
to_premultiplied (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  guint8 *out = g_malloc ((gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    {
      const guint8 *src = pixels + (gsize) y * stride;
      guint32 *dst = (guint32 *) (out + (gsize) y * width * 4);

      for (int x = 0; x < width; x++, src += channels)
        {
          guint a = channels == 4 ? src[3] : 255;
          guint r = (src[0] * a + 127) / 255;
          guint g = (src[1] * a + 127) / 255;
          guint b = (src[2] * a + 127) / 255;

          dst[x] = (a << 24) | (r << 16) | (g << 8) | b;
        }
    }
  return g_bytes_new_take (out, (gsize) width * height * 4);
}

static void
render_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Render *render = task_data;
  double device_zoom = render->key.zoom * render->key.scale;
  GdkPixbuf *level = g_ptr_array_index (render->levels, 0);
  g_autoptr(GdkPixbuf) dest = NULL;
  g_autoptr(GBytes) bytes = NULL;
  double scale_x, scale_y;

  /* The smallest level that is still at least as big as the frame's
   * scale: at most a halving from there, which bilinear filtering does
   * well and fast. */
  for (guint i = render->levels->len; i-- > 1;)
    {
      GdkPixbuf *candidate = g_ptr_array_index (render->levels, i);

      if ((double) gdk_pixbuf_get_width (candidate) / render->image_width >= device_zoom)
        {
          level = candidate;
          break;
        }
    }
  scale_x = render->image_width * device_zoom / gdk_pixbuf_get_width (level);
  scale_y = render->image_height * device_zoom / gdk_pixbuf_get_height (level);

  dest = gdk_pixbuf_new (GDK_COLORSPACE_RGB, gdk_pixbuf_get_has_alpha (level), 8,
                         render->key.width, render->key.height);
  if (dest == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("Out of memory"));
      return;
    }
  /* Past 400 % the pixels themselves are what one wants to see. */
  gdk_pixbuf_scale (level, dest, 0, 0, render->key.width, render->key.height,
                    -render->key.x, -render->key.y, scale_x, scale_y,
                    device_zoom >= 4.0 ? GDK_INTERP_NEAREST : GDK_INTERP_BILINEAR);
  bytes = to_premultiplied (dest);
  g_task_return_pointer (task,
                         gdk_memory_texture_new (render->key.width, render->key.height,
                                                 GDK_MEMORY_DEFAULT, bytes, render->key.width * 4),
                         g_object_unref);
}

static void ensure_frame (FalstaffZoomView *self);

static void
rendered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(FalstaffZoomView) self = data;
  Render *render = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);

  /* A frame for an image replaced meanwhile is of no use (and another
   * render may be under way for the new one). */
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable || render->levels != self->levels)
    return;
  self->rendering = FALSE;
  if (texture == NULL)
    {
      g_warning ("Could not render the image: %s", error->message);
      return;
    }
  g_set_object (&self->frame, texture);
  self->frame_key = render->key;
  self->n_renders++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Starts rendering the wanted frame unless it is there or being made (the
 * frame being made is followed by another when the view moved on). */
static void
ensure_frame (FalstaffZoomView *self)
{
  g_autoptr(GTask) task = NULL;
  Render *render;
  FrameKey key;

  if (self->levels == NULL || self->rendering || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  wanted_frame (self, &key);
  if (self->frame && frame_key_equal (&key, &self->frame_key))
    return;
  render = g_new0 (Render, 1);
  render->levels = g_ptr_array_ref (self->levels);
  render->image_width = self->image_width;
  render->image_height = self->image_height;
  render->key = key;
  task = g_task_new (NULL, self->cancellable, rendered_cb, g_object_ref (self));
  g_task_set_source_tag (task, ensure_frame);
  g_task_set_task_data (task, render, render_free);
  self->rendering = TRUE;
  falstaff_image_run_in_background (task, render_thread);
}

/* ------------------------------------------------------------------ decoding */

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GBytes *bytes = task_data;
  g_autoptr(GPtrArray) levels = g_ptr_array_new_with_free_func (g_object_unref);
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = falstaff_image_decode (bytes, 0, NULL, NULL, &error);

  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Camera JPEGs stand as they were taken. */
  g_ptr_array_add (levels, gdk_pixbuf_apply_embedded_orientation (pixbuf));
  for (;;)
    {
      GdkPixbuf *last = g_ptr_array_index (levels, levels->len - 1);
      int width = gdk_pixbuf_get_width (last);
      int height = gdk_pixbuf_get_height (last);

      if (MAX (width, height) <= SMALLEST_LEVEL || g_task_return_error_if_cancelled (task))
        break;
      g_ptr_array_add (levels, gdk_pixbuf_scale_simple (last, MAX (1, width / 2), MAX (1, height / 2),
                                                        GDK_INTERP_BILINEAR));
    }
  if (!g_task_had_error (task))
    g_task_return_pointer (task, g_steal_pointer (&levels), (GDestroyNotify) g_ptr_array_unref);
}

static void
set_loading (FalstaffZoomView *self,
             gboolean          loading)
{
  if (self->loading == !!loading)
    return;
  self->loading = !!loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(FalstaffZoomView) self = data;
  g_autoptr(GError) error = NULL;
  GPtrArray *levels = g_task_propagate_pointer (G_TASK (result), &error);
  GdkPixbuf *full;

  if (levels == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_free (self->error_message);
      self->error_message = g_strdup (error->message);
      set_loading (self, FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
      return;
    }
  self->levels = levels;
  full = g_ptr_array_index (levels, 0);
  self->image_width = gdk_pixbuf_get_width (full);
  self->image_height = gdk_pixbuf_get_height (full);
  self->fit = TRUE;
  self->zoom = fit_zoom (self);
  g_object_freeze_notify (G_OBJECT (self));
  set_loading (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGE_WIDTH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGE_HEIGHT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  g_object_thaw_notify (G_OBJECT (self));
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ input */

static void
zoom_at_pointer (FalstaffZoomView *self,
                 double            zoom)
{
  if (self->has_pointer)
    falstaff_zoom_view_set_zoom_at (self, zoom, self->pointer_x, self->pointer_y);
  else
    falstaff_zoom_view_set_zoom (self, zoom);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           FalstaffZoomView         *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  /* Plain scrolling is the scrolled window's. */
  if (!(state & GDK_CONTROL_MASK) || self->levels == NULL)
    return FALSE;
  zoom_at_pointer (self, self->zoom * pow (ZOOM_STEP, -dy));
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           FalstaffZoomView         *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->has_pointer = TRUE;
}

static void
leave_cb (GtkEventControllerMotion *controller,
          FalstaffZoomView         *self)
{
  self->has_pointer = FALSE;
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               FalstaffZoomView *self)
{
  self->gesture_start_zoom = self->zoom;
}

static void
zoom_scale_changed_cb (GtkGestureZoom   *gesture,
                       double            scale,
                       FalstaffZoomView *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  falstaff_zoom_view_set_zoom_at (self, self->gesture_start_zoom * scale, x, y);
}

static void
drag_begin_cb (GtkGestureDrag   *gesture,
               double            x,
               double            y,
               FalstaffZoomView *self)
{
  self->drag_start_x = gtk_adjustment_get_value (self->hadjustment);
  self->drag_start_y = gtk_adjustment_get_value (self->vadjustment);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
drag_update_cb (GtkGestureDrag   *gesture,
                double            offset_x,
                double            offset_y,
                FalstaffZoomView *self)
{
  gtk_adjustment_set_value (self->hadjustment, round (self->drag_start_x - offset_x));
  gtk_adjustment_set_value (self->vadjustment, round (self->drag_start_y - offset_y));
}

static void
drag_end_cb (GtkGestureDrag   *gesture,
             double            offset_x,
             double            offset_y,
             FalstaffZoomView *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
}

static void
pressed_cb (GtkGestureClick  *gesture,
            int               n_press,
            double            x,
            double            y,
            FalstaffZoomView *self)
{
  if (n_press != 2 || self->levels == NULL)
    return;
  if (self->fit && self->zoom < 1.0)
    falstaff_zoom_view_set_zoom_at (self, 1.0, x, y);
  else
    falstaff_zoom_view_zoom_fit (self);
}

/* ------------------------------------------------------------------ GtkWidget */

static void
adjustment_value_changed_cb (GtkAdjustment    *adjustment,
                             FalstaffZoomView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_adjustment (FalstaffZoomView  *self,
                GtkAdjustment    **slot,
                GtkAdjustment     *adjustment,
                GParamSpec        *pspec)
{
  if (adjustment && *slot == adjustment)
    return;
  if (*slot)
    {
      g_signal_handlers_disconnect_by_func (*slot, adjustment_value_changed_cb, self);
      g_clear_object (slot);
    }
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (adjustment_value_changed_cb), self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  if (pspec)
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
falstaff_zoom_view_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (widget);

  if (self->levels && self->fit)
    {
      double zoom = fit_zoom (self);

      if (zoom != self->zoom)
        {
          self->zoom = zoom;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
        }
    }
  configure_adjustments (self, gtk_adjustment_get_value (self->hadjustment),
                         gtk_adjustment_get_value (self->vadjustment));
}

static void
falstaff_zoom_view_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (widget);
  int size = orientation == GTK_ORIENTATION_HORIZONTAL ? self->image_width : self->image_height;

  *minimum = 0;
  *natural = self->levels ? MIN (size, 1024) : 0;
}

static void
falstaff_zoom_view_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double origin_x, origin_y, factor;

  if (self->levels == NULL)
    return;
  /* A new frame in a worker when the view asks for another one. */
  ensure_frame (self);
  if (self->frame == NULL)
    {
      self->drawn_width = self->drawn_height = 0;
      return;
    }

  /* The frame where its pixels belong now: exactly, or moved and scaled
   * from where it was made until the new one is there. */
  origin_x = origin (self->hadjustment, width, self->image_width * self->zoom);
  origin_y = origin (self->vadjustment, height, self->image_height * self->zoom);
  factor = self->zoom / self->frame_key.zoom / self->frame_key.scale;
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_append_texture (snapshot, self->frame,
                               &GRAPHENE_RECT_INIT (origin_x + self->frame_key.x * factor,
                                                    origin_y + self->frame_key.y * factor,
                                                    self->frame_key.width * factor,
                                                    self->frame_key.height * factor));
  gtk_snapshot_pop (snapshot);
  self->drawn_width = gdk_texture_get_width (self->frame);
  self->drawn_height = gdk_texture_get_height (self->frame);
}

static void
falstaff_zoom_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (falstaff_zoom_view_parent_class)->map (widget);
  gtk_widget_queue_draw (widget);
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_zoom_view_dispose (GObject *object)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->hadjustment)
    g_signal_handlers_disconnect_by_func (self->hadjustment, adjustment_value_changed_cb, self);
  if (self->vadjustment)
    g_signal_handlers_disconnect_by_func (self->vadjustment, adjustment_value_changed_cb, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  g_clear_object (&self->frame);
  g_clear_pointer (&self->levels, g_ptr_array_unref);

  G_OBJECT_CLASS (falstaff_zoom_view_parent_class)->dispose (object);
}

static void
falstaff_zoom_view_finalize (GObject *object)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (object);

  g_clear_object (&self->cancellable);
  g_free (self->error_message);

  G_OBJECT_CLASS (falstaff_zoom_view_parent_class)->finalize (object);
}

static void
falstaff_zoom_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_IMAGE_WIDTH:
      g_value_set_int (value, self->image_width);
      break;
    case PROP_IMAGE_HEIGHT:
      g_value_set_int (value, self->image_height);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_zoom_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  FalstaffZoomView *self = FALSTAFF_ZOOM_VIEW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      falstaff_zoom_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, &self->hadjustment, g_value_get_object (value), pspec);
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, &self->vadjustment, g_value_get_object (value), pspec);
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_zoom_view_class_init (FalstaffZoomViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags readable = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = falstaff_zoom_view_dispose;
  object_class->finalize = falstaff_zoom_view_finalize;
  object_class->get_property = falstaff_zoom_view_get_property;
  object_class->set_property = falstaff_zoom_view_set_property;

  widget_class->size_allocate = falstaff_zoom_view_size_allocate;
  widget_class->measure = falstaff_zoom_view_measure;
  widget_class->snapshot = falstaff_zoom_view_snapshot;
  widget_class->map = falstaff_zoom_view_map;

  properties[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, MIN_ZOOM, MAX_ZOOM, 1.0,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] = g_param_spec_boolean ("fit", NULL, NULL, TRUE, readable);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, readable);
  properties[PROP_IMAGE_WIDTH] = g_param_spec_int ("image-width", NULL, NULL, 0, G_MAXINT, 0, readable);
  properties[PROP_IMAGE_HEIGHT] = g_param_spec_int ("image-height", NULL, NULL, 0, G_MAXINT, 0, readable);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, readable);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_set_css_name (widget_class, "zoomview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
falstaff_zoom_view_init (FalstaffZoomView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->zoom = 1.0;
  self->fit = TRUE;
  self->cancellable = g_cancellable_new ();
  set_adjustment (self, &self->hadjustment, NULL, NULL);
  set_adjustment (self, &self->vadjustment, NULL, NULL);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

/* ------------------------------------------------------------------ public */

GtkWidget *
falstaff_zoom_view_new (void)
{
  return g_object_new (FALSTAFF_TYPE_ZOOM_VIEW, NULL);
}

void
falstaff_zoom_view_set_bytes (FalstaffZoomView *self,
                              GBytes           *image)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));
  g_return_if_fail (image != NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->rendering = FALSE;
  g_clear_pointer (&self->levels, g_ptr_array_unref);
  g_clear_object (&self->frame);
  self->image_width = self->image_height = 0;
  if (self->error_message)
    {
      g_clear_pointer (&self->error_message, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  set_loading (self, TRUE);
  gtk_widget_queue_allocate (GTK_WIDGET (self));

  task = g_task_new (NULL, self->cancellable, decoded_cb, g_object_ref (self));
  g_task_set_source_tag (task, falstaff_zoom_view_set_bytes);
  g_task_set_task_data (task, g_bytes_ref (image), (GDestroyNotify) g_bytes_unref);
  falstaff_image_run_in_background (task, decode_thread);
}

gboolean
falstaff_zoom_view_get_loading (FalstaffZoomView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), FALSE);
  return self->loading;
}

const char *
falstaff_zoom_view_get_error_message (FalstaffZoomView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), NULL);
  return self->error_message;
}

gboolean
falstaff_zoom_view_get_image_size (FalstaffZoomView *self,
                                   int              *width,
                                   int              *height)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), FALSE);
  if (self->levels == NULL)
    return FALSE;
  if (width)
    *width = self->image_width;
  if (height)
    *height = self->image_height;
  return TRUE;
}

double
falstaff_zoom_view_get_zoom (FalstaffZoomView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), 1.0);
  return self->zoom;
}

void
falstaff_zoom_view_set_zoom_at (FalstaffZoomView *self,
                                double            zoom,
                                double            x,
                                double            y)
{
  int width, height;
  double image_x, image_y;
  gboolean was_fit;

  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));

  zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
  was_fit = self->fit;
  self->fit = FALSE;
  if (was_fit)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  if (zoom == self->zoom)
    return;

  /* The image point under (x, y) stays there. */
  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  image_x = (x - origin (self->hadjustment, width, self->image_width * self->zoom)) / self->zoom;
  image_y = (y - origin (self->vadjustment, height, self->image_height * self->zoom)) / self->zoom;
  self->zoom = zoom;
  configure_adjustments (self, image_x * zoom - x, image_y * zoom - y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
falstaff_zoom_view_set_zoom (FalstaffZoomView *self,
                             double            zoom)
{
  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));

  falstaff_zoom_view_set_zoom_at (self, zoom,
                                  gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                                  gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
falstaff_zoom_view_zoom_in (FalstaffZoomView *self)
{
  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));
  falstaff_zoom_view_set_zoom (self, self->zoom * ZOOM_STEP);
}

void
falstaff_zoom_view_zoom_out (FalstaffZoomView *self)
{
  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));
  falstaff_zoom_view_set_zoom (self, self->zoom / ZOOM_STEP);
}

void
falstaff_zoom_view_zoom_fit (FalstaffZoomView *self)
{
  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));

  falstaff_zoom_view_set_zoom (self, fit_zoom (self));
  self->fit = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
}

gboolean
falstaff_zoom_view_get_fit (FalstaffZoomView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), FALSE);
  return self->fit;
}

void
falstaff_zoom_view_get_drawn_size (FalstaffZoomView *self,
                                   int              *width,
                                   int              *height)
{
  g_return_if_fail (FALSTAFF_IS_ZOOM_VIEW (self));
  if (width)
    *width = self->drawn_width;
  if (height)
    *height = self->drawn_height;
}

gboolean
falstaff_zoom_view_is_frame_current (FalstaffZoomView *self)
{
  FrameKey key;

  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), FALSE);
  if (self->levels == NULL || self->frame == NULL)
    return FALSE;
  wanted_frame (self, &key);
  return frame_key_equal (&key, &self->frame_key);
}

guint
falstaff_zoom_view_get_n_renders (FalstaffZoomView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_VIEW (self), 0);
  return self->n_renders;
}

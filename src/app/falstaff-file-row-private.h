/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "falstaff-file-row.h"

G_BEGIN_DECLS

/* FalstaffFileRow is written in three files: falstaff-file-row.c (the
 * object, its items and their lines, uploads), falstaff-file-row-dnd.c
 * (drop target, paste, chooser: what comes in) and
 * falstaff-file-row-check.c (the checks of a file in worker threads,
 * saving a texture, thumbnails). This is what they share. */

/* Thumbnails are decoded at twice their shown size (HiDPI). */
#define THUMB_SIZE 40

typedef enum {
  ITEM_CHECKING,   /* the PNG of a texture being saved, or the file being checked */
  ITEM_UPLOADING,
  ITEM_DONE,
  ITEM_FAILED,
  ITEM_LINK,       /* a URL used as it is */
} ItemState;

/* One file or link of the field, with its line in the list. */
typedef struct {
  FalstaffFileRow *row;
  ItemState state;
  GFile *file;
  GdkTexture *texture;     /* a dropped or pasted image not saved yet */
  char *name;
  char *url;
  char *error;
  guint64 size;
  FalUpload *upload;
  GCancellable *cancellable;
  GtkWidget *widget;
  GtkWidget *thumb;
  GtkWidget *name_label;
  GtkWidget *detail_label;
  GtkWidget *progress;
  GtkWidget *error_label;
  GtkWidget *retry_button;
  GtkWidget *remove_button;
} Item;

struct _FalstaffFileRow
{
  GtkListBoxRow parent_instance;

  GtkLabel *title_label;
  GtkLabel *description_label;
  GtkWidget *paste_button;
  GtkWidget *choose_button;
  GtkListBox *items_list;
  GtkLabel *hint_label;
  GtkLabel *message_label;

  FalFormField *field;
  char *title;             /* the field's title as people write it */
  FalFormModel *model;
  FalClient *client;
  GtkDropTarget *drop_target;
  GtkFileChooserNative *chooser;
  GCancellable *cancellable;
  GPtrArray *items;        /* Item, in order */
  GPtrArray *waiters;      /* GTask of wait_async */
  char *message;
  guint pending;           /* clipboard reads */
  gulong value_handler;
  gboolean busy;
  gboolean failed;
  gboolean writing;
};

/* falstaff-file-row.c */
gboolean      _falstaff_file_row_is_list               (FalstaffFileRow *self);
void          _falstaff_file_row_update_state          (FalstaffFileRow *self);
void          _falstaff_file_row_write_value           (FalstaffFileRow *self);
void          _falstaff_file_row_set_message           (FalstaffFileRow *self,
                                                        const char      *message);
Item         *_falstaff_file_row_add_item              (FalstaffFileRow *self,
                                                        ItemState        state,
                                                        const char      *name);
void          _falstaff_file_row_remove_item           (FalstaffFileRow *self,
                                                        Item            *item);
void          _falstaff_file_row_keep_only             (FalstaffFileRow *self,
                                                        Item            *kept);
void          _falstaff_file_row_item_show             (Item            *item);
void          _falstaff_file_row_item_upload           (Item            *item);

/* falstaff-file-row-check.c */
FalFileMedia  _falstaff_file_row_media_of_content_type (const char      *content_type);
const char   *_falstaff_file_row_media_noun            (FalFileMedia     media);
FalFileMedia  _falstaff_file_row_media_of_link         (const char      *url,
                                                        char           **name);
void          _falstaff_file_row_item_check            (Item            *item);

/* falstaff-file-row-dnd.c */
void          _falstaff_file_row_class_init_dnd        (GtkWidgetClass  *widget_class);
void          _falstaff_file_row_init_dnd              (FalstaffFileRow *self);

G_END_DECLS

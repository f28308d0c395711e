/*
 * gw/labels.h -- a classifier's labels as answers write them (labels.c):
 * pre-encoded once per model generation by the registry, written by the
 * answers.
 */
#ifndef GW_LABELS_H
#define GW_LABELS_H

#include "gw/codec.h"
#include "gw/registry.h"

/* Label of class v (a class index as the engine writes it) with the type
 * predict gives it in Python; a regressor's value as a number. */
void gw_write_label(gw_writer *w, const gw_model *m, double v);
/* Fills m->label_enc/label_off (classifiers); 0, or -1 out of memory. */
int gw_encode_labels(gw_model *m);

#endif

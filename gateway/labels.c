/*
 * labels.c -- a classifier's labels as answers write them: with the JSON or
 * msgpack type predict gives them in Python (str, int, bool, float), each
 * pre-encoded once per model generation so an answer copies bytes.
 *
 * Below the request shapes and above the writers (codec_json.c,
 * codec_msgpack.c): the registry encodes a model's labels when it loads
 * it, request.c, v2.c and routes.c write them. No h2o here.
 */
#include <stdlib.h>

#include "gw/labels.h"

/* Class i's label with the JSON/msgpack type predict gives it in Python. */
static void write_class(gw_writer *w, const gw_model *m, int32_t i)
{
    switch (m->info.label_kind) {
    case SKS_LABEL_STR:
        gw_w_cstr(w, sks_model_label_str(m->m, i));
        break;
    case SKS_LABEL_INT:
        if (m->is_bool)
            gw_w_bool(w, sks_model_label_int(m->m, i) != 0);
        else
            gw_w_int(w, sks_model_label_int(m->m, i));
        break;
    case SKS_LABEL_FLOAT:
        gw_w_double(w, sks_model_label_float(m->m, i));
        break;
    default:
        gw_w_double(w, (double)i);
    }
}

int gw_encode_labels(gw_model *m)
{
    int32_t n = m->info.n_classes;
    if (m->info.task != SKS_TASK_CLASSIFICATION || n <= 0)
        return 0;
    for (int e = 0; e < 2; e++) {
        gw_writer w;
        gw_w_init(&w, e);
        uint32_t *off = malloc(((size_t)n + 1) * sizeof *off);
        if (off == NULL) {
            gw_w_dispose(&w);
            return -1;
        }
        off[0] = 0;
        for (int32_t i = 0; i < n; i++) {
            write_class(&w, m, i); /* top level: no separators in JSON */
            off[i + 1] = (uint32_t)w.buf.len;
        }
        if (w.buf.oom) {
            free(off);
            gw_w_dispose(&w);
            return -1;
        }
        m->label_enc[e] = w.buf; /* owned by m now */
        m->label_off[e] = off;
    }
    return 0;
}

void gw_write_label(gw_writer *w, const gw_model *m, double v)
{
    if (m->info.task != SKS_TASK_CLASSIFICATION) {
        gw_w_double(w, v);
        return;
    }
    int32_t i = (int32_t)v;
    const uint32_t *off = m->label_off[w->msgpack != 0];
    if (off != NULL && i >= 0 && i < m->info.n_classes)
        gw_w_encoded(w, m->label_enc[w->msgpack != 0].p + off[i], off[i + 1] - off[i]);
    else
        write_class(w, m, i);
}


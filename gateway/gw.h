/*
 * gw.h -- every header of the gateway's h2o-free core at once, for the
 * tools, benchmarks and fuzz targets that use several. The gateway's own
 * files include only the headers of the subsystems they use:
 *
 *   gw/log.h       log.c           JSON log lines
 *   gw/value.h     value.c         byte buffer, arena, decoded-value tree
 *   gw/codec.h     codec_*.c       bytes -> values; the JSON/msgpack writer
 *   gw/registry.h  registry.c      models by name, hot reload, draining
 *   gw/labels.h    labels.c        class labels as answers write them
 *   gw/request.h   request.c v2.c  request shapes, scoring, answers
 *   gw/metrics.h   metrics.c       Prometheus, route labels
 *   gw/server.h    (h2o side)      main.c, server.c, routes.c, h2guard.c
 *
 * Only server.c, routes.c and h2guard.c include h2o.h. Nothing here scores
 * or reads model files: that is the engine's job, reached through
 * skscore.h. docs/ARCHITECTURE.md shows how a request flows through them.
 */
#ifndef GW_H
#define GW_H

#include "gw/codec.h"
#include "gw/labels.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/registry.h"
#include "gw/request.h"
#include "gw/value.h"

#endif

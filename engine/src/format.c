/*
 * format.c -- the .skm model file's shared parts: the magic number, the
 * names the file gives the engine's enums, and its SHA-256.
 *
 * The file's layout is specified in docs/FORMAT.md: a fixed 56-byte
 * preamble (magic, version, body length, SHA-256 of the body) and a msgpack
 * body. format_write.c writes it from a validated description,
 * format_read.c reads it back into one; load.c turns the bytes into a
 * model. Nothing here scores.
 */
#include "format.h"

#include <openssl/evp.h>
#include <stdio.h>

const uint8_t sks__magic[8] = {0x89, 'S', 'K', 'M', '\r', '\n', 0x1a, '\n'};

const char *const sks__link_names[SKS__N_LINKS] = {"none",    "proba",          "logistic",       "logistic_ovr",
                                         "softmax", "softmax_binary", "modified_huber", "half_logistic",
                                         "exp",     "isolation",      "softmax_seq",    "logistic_f32",
                                         "softmax_f32", "exp_f32"};

const char *sks_link_name(sks_link link)
{
    return (unsigned)link < SKS__N_LINKS ? sks__link_names[link] : "unknown";
}
const char *const sks__agg_names[3] = {"single", "mean", "sum"};
const char *const sks__cmp_names[4] = {NULL, "f32_le", "f64_le", "f32_lt"};
const char *const sks__cat_rule_names[3] = {"sklearn", "lightgbm", "xgboost"};
const char *const sks__step_names[6] = {"elementwise", "select", "encode", "indicator", "normalize", "poly"};
const char *const sks__op_names[6] = {NULL, "sub", "div", "mul", "add", "fill_nan"};
const char *const sks__norm_names[4] = {NULL, "l1", "l2", "max"};
const char *const sks__check_names[3] = {"inf", "none", "finite"};

_Static_assert(sizeof sks__link_names / sizeof sks__link_names[0] == SKS_LINK_EXP_F32 + 1,
               "a link without a name in the file");

void sks__sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

/*
 * load.c -- bytes into a loaded model: sks_model_load (a file),
 * sks_model_load_buffer (memory) and sks_model_from_desc (a description,
 * through its bytes).
 *
 * The one place that joins the reader (format_read.c) and the model's
 * building (model.c), so neither depends on the other: format_read.c hands
 * the description it read to the callback here, which builds the model
 * before the description's memory goes.
 */
#define _POSIX_C_SOURCE 200809L
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int build(const sks_desc *d, const char *producer_version, int format_minor, const char *checksum_hex,
                 void *ctx, sks_error *err)
{
    return sks__model_build(d, producer_version, format_minor, checksum_hex, (sks_model **)ctx, err);
}

int sks_model_load_buffer(const void *data, size_t len, sks_model **out, sks_error *err)
{
    sks__error_clear(err);
    if (out == NULL || (data == NULL && len > 0))
        return sks__fail(err, SKS_EARG, "sks_model_load_buffer: NULL argument");
    *out = NULL;
    return sks__format_read(data, len, build, out, err);
}

int sks_model_from_desc(const sks_desc *d, sks_model **out, sks_error *err)
{
    sks__error_clear(err);
    if (d == NULL || out == NULL)
        return sks__fail(err, SKS_EARG, "sks_model_from_desc: NULL argument");
    *out = NULL;
    /* Going through the bytes keeps one path: the checksum and everything
     * else are exactly what loading the saved file would give. */
    void *buf = NULL;
    size_t len = 0;
    int rc = sks_desc_serialize(d, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = sks_model_load_buffer(buf, len, out, err);
    free(buf);
    return rc;
}

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* Only regular files are read, and nothing else may block or have side
 * effects: open() of a FIFO waits for a writer forever, reading a device
 * never ends. stat() first refuses them without opening; the file is then
 * opened with O_NONBLOCK (a FIFO swapped in between does not block the
 * open) and O_NOCTTY, and fstat() of what was opened decides. O_NONBLOCK
 * changes nothing for regular files. */
static int open_regular(const char *path, int *fd_out, off_t *size, sks_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return sks__fail(err, SKS_EIO, "cannot read %s: %s, not a regular file", path, file_kind(st.st_mode));
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return sks__fail(err, SKS_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return sks__fail(err, SKS_EIO, "cannot read %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sks__fail(err, SKS_EIO, "cannot read %s: %s, not a regular file", path, file_kind(st.st_mode));
    }
    *fd_out = fd;
    *size = st.st_size;
    return 0;
}

int sks_model_load(const char *path, sks_model **out, sks_error *err)
{
    sks__error_clear(err);
    if (path == NULL || out == NULL)
        return sks__fail(err, SKS_EARG, "sks_model_load: NULL argument");
    *out = NULL;
    int fd = -1;
    off_t size = 0;
    int rc = open_regular(path, &fd, &size, err);
    if (rc != 0)
        return rc;
    if ((uint64_t)size > (uint64_t)SKS__MAX_BODY + SKS__PREAMBLE) {
        close(fd);
        return sks__fail(err, SKS_EFORMAT, "%s is %lld bytes, over the 1 GiB model file limit", path,
                         (long long)size);
    }
    size_t len = (size_t)size;
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        close(fd);
        return sks__fail(err, SKS_ENOMEM, "out of memory reading %s", path);
    }
    size_t got = 0;
    int rerr = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rerr = n < 0 ? errno : 0;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (got != len) {
        free(buf);
        if (rerr != 0)
            return sks__fail(err, SKS_EIO, "cannot read %s: %s", path, strerror(rerr));
        return sks__fail(err, SKS_EIO, "cannot read %s: it shrank while being read", path);
    }
    rc = sks_model_load_buffer(buf, len, out, err);
    free(buf);
    if (rc != 0 && err != NULL) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        sks__fail(err, rc, "%s: %s", path, msg);
    }
    return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "genkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conf_file.h"
#include "ctlwrap.h"
#include "pem.h"
#include "secret.h"

/* Random bytes for keys: the core takes them as input so that it stays deterministic. */
static int draw_random(uint8_t *out, size_t n)
{
    if (RAND_bytes(out, (int)n) != 1) {
        fprintf(stderr, "genkey: the random number generator failed\n");
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_key_text(const char *path, const char *text, size_t len)
{
    if (!path || strcmp(path, "-") == 0)
        return write_all(STDOUT_FILENO, text, len) == 0 ? 0 : -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "genkey: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    int rc = write_all(fd, text, len);
    if (close(fd) < 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "genkey: cannot write '%s': %s\n", path, strerror(errno));
    return rc;
}

/* The server key of --tls-crypt-v2, from its file or inline block. */
static struct ctlwrap_v2_server *load_v2_server(const struct conf *c)
{
    const struct conf_blob *b = &c->tls.tls_crypt_v2;
    uint8_t *data = b->data;
    size_t len = b->len;
    char id[128], err[512];
    uint8_t key[128];
    struct pem_error perr;
    struct ctlwrap_v2_server *s = NULL;

    if (!b->is_inline &&
        conf_file_read(NULL, b->path, &data, &len, id, sizeof(id), err, sizeof(err)) < 0) {
        fprintf(stderr, "genkey: %s\n", err);
        return NULL;
    }
    if (ctlwrap_v2_server_key_decode((const char *)data, len, key, &perr) != 0) {
        pem_error_format(&perr, err, sizeof(err));
        fprintf(stderr, "genkey: %s: %s\n", b->is_inline ? "<tls-crypt-v2>" : b->path, err);
    } else if (ctlwrap_v2_server_new(key, &s) != 0) {
        fprintf(stderr, "genkey: cannot load the tls-crypt-v2 server key\n");
        s = NULL;
    }
    secret_wipe(key, sizeof(key));
    if (!b->is_inline)
        secret_free(data, len);
    return s;
}

static int make_metadata(const struct conf *c, struct ctlwrap_metadata *md)
{
    const char *meta = c->genkey.meta;
    if (!meta) {
        ctlwrap_metadata_set_timestamp(md, (int64_t)time(NULL));
        return 0;
    }
    if (ctlwrap_metadata_set_user_base64(md, meta, strlen(meta)) != 0) {
        fprintf(stderr, "genkey: the metadata must be base64 of at most %u bytes\n",
                (unsigned)(CTLWRAP_MD_MAX_LEN - 1));
        return -1;
    }
    return 0;
}

static int make_v2_client(const struct conf *c, uint8_t *random, char *text, size_t *len)
{
    struct ctlwrap_metadata md;
    if (!c->tls.tls_crypt_v2.path && !c->tls.tls_crypt_v2.is_inline) {
        fprintf(stderr, "genkey: tls-crypt-v2-client needs the server key: add --tls-crypt-v2 "
                        "SERVER_KEY_FILE\n");
        return -1;
    }
    if (make_metadata(c, &md) < 0 || draw_random(random, 256) < 0)
        return -1;
    struct ctlwrap_v2_server *s = load_v2_server(c);
    if (!s)
        return -1;
    int rc = ctlwrap_genkey_v2_client(s, random, &md, text, CTLWRAP_GENKEY_TEXT_MAX, len);
    ctlwrap_v2_server_free(s);
    return rc == 0 ? 0 : -1;
}

static int make_key_text(const struct conf *c, char *text, size_t *len)
{
    const char *type = c->genkey.type ? c->genkey.type : "secret";
    uint8_t random[256];
    int rc = -1;

    if (!strcmp(type, "secret") || !strcmp(type, "tls-auth") || !strcmp(type, "tls-crypt")) {
        if (draw_random(random, 256) == 0)
            rc = ctlwrap_genkey_static(random, text, CTLWRAP_GENKEY_TEXT_MAX, len) == 0 ? 0 : -1;
    } else if (!strcmp(type, "tls-crypt-v2-server")) {
        if (draw_random(random, 128) == 0)
            rc = ctlwrap_genkey_v2_server(random, text, CTLWRAP_GENKEY_TEXT_MAX, len) == 0 ? 0 : -1;
    } else if (!strcmp(type, "tls-crypt-v2-client")) {
        rc = make_v2_client(c, random, text, len);
    } else {
        fprintf(stderr, "genkey: key type '%s' is not supported yet\n", type);
    }
    secret_wipe(random, sizeof(random));
    return rc;
}

int genkey_run(const struct conf *c)
{
    char text[CTLWRAP_GENKEY_TEXT_MAX];
    size_t len = 0;
    int rc = make_key_text(c, text, &len);
    if (rc == 0)
        rc = write_key_text(c->genkey.file, text, len);
    secret_wipe(text, sizeof(text));
    return rc == 0 ? 0 : 1;
}

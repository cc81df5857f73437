/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: an HTTP server on 127.0.0.1 that answers GET /v1/platform
 * with the contents of a file, to present forged evidence to verifiers.
 *   las_fake_las FILE      prints "port N" and serves until killed.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"

static uint8_t *doc;
static size_t doc_len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req;
    int found = strcmp(url, "/v1/platform") == 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        found ? doc_len : 0, found ? doc : (void *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, found ? 200 : 404, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 2 || las_file_read(argv[1], 1 << 20, &doc, &doc_len) != LAS_OK) {
        fprintf(stderr, "usage: las_fake_las FILE\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (d == NULL)
        return 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", info ? info->port : 0);
    fflush(stdout);
    pause();
    return 0;
}

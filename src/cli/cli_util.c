/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "las/client.h"
#include "daemon/config.h"

void las_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("las: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int las_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "las %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'las %s --help')\n", cmd);
    return LAS_EXIT_USAGE;
}

void las_cli_print_exit_codes(FILE *out, const char *ok, const char *refused)
{
    fprintf(out, "\nExit codes:\n  %d  %s\n", LAS_EXIT_OK, ok);
    if (refused != NULL)
        fprintf(out, "  %d  %s\n", LAS_EXIT_REFUSED, refused);
    fprintf(out, "  %d  %s\n  %d  %s\n", LAS_EXIT_USAGE,
            las_exit_code_meaning(LAS_EXIT_USAGE, false), LAS_EXIT_IO,
            las_exit_code_meaning(LAS_EXIT_IO, false));
}

int las_cli_option_error(const char *cmd, int c, char **argv)
{
    /* getopt_long has moved optind past the option it could not use. */
    const char *typed = optind > 0 ? argv[optind - 1] : "?";
    char shortopt[3] = {'-', (char)optopt, '\0'};
    if (optopt > 0 && optopt < 128 && strncmp(typed, "--", 2) != 0)
        typed = shortopt; /* a short option, possibly inside a cluster like -xy */
    if (c == ':')
        return las_cli_usage_error(cmd, "option '%s' needs a value", typed);
    if (c == '?' && strchr(typed, '=') != NULL && optopt != 0)
        return las_cli_usage_error(cmd, "option '%s' takes no value", typed);
    return las_cli_usage_error(cmd, "unknown or ambiguous option '%s'", typed);
}

int las_cli_client_at(const char *cmd, const char *addr, const char *from, struct las_client **out)
{
    las_status st = las_client_new(addr, 0, out);
    if (st == LAS_ERR_INVALID_ARGUMENT)
        return las_cli_usage_error(
            cmd, "invalid LAS address '%s' (%s): expected " LAS_CLI_ADDR_FORM, addr, from);
    if (st != LAS_OK) {
        las_cli_error("%s", las_status_message(st));
        return LAS_EXIT_IO;
    }
    return LAS_EXIT_OK;
}

int las_cli_client_new(const char *cmd, const char *flag, struct las_client **out)
{
    const char *v, *from = "--las";
    if (flag == NULL || *flag == '\0')
        from = (v = getenv("LAS_ADDR")) && *v ? "from $LAS_ADDR" : "from $SCONE_LAS_ADDR";
    return las_cli_client_at(cmd, las_client_resolve_addr(flag), from, out);
}

const char *las_cli_state_dir(const char *flag)
{
    const char *v;
    if (flag && *flag)
        return flag;
    if ((v = getenv("LAS_STATE_DIR")) && *v)
        return v;
    return LAS_DEFAULT_STATE_DIR;
}

las_status las_cli_hex_padded(const char *hex, uint8_t *out, size_t max)
{
    size_t len = strlen(hex);
    memset(out, 0, max);
    if (len % 2 != 0 || len / 2 > max)
        return LAS_ERR_INVALID_ARGUMENT;
    return las_hex_decode(hex, out, len / 2) == LAS_OK ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

las_status las_cli_parse_u16(const char *s, uint16_t *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return LAS_ERR_INVALID_ARGUMENT;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 65535)
        return LAS_ERR_INVALID_ARGUMENT;
    *out = (uint16_t)v;
    return LAS_OK;
}

int las_cli_read_input(const char *cmd, const char *what, const char *path, size_t max,
                       uint8_t **buf, size_t *len)
{
    static bool stdin_used;
    las_status st;
    bool from_stdin = strcmp(path, "-") == 0;
    if (from_stdin) {
        if (stdin_used)
            return las_cli_usage_error(cmd, "stdin ('-') can be read only once: %s", what);
        stdin_used = true;
        st = las_file_read_fd(STDIN_FILENO, max, buf, len);
    } else {
        st = las_file_read(path, max, buf, len);
    }
    if (st == LAS_OK)
        return LAS_EXIT_OK;
    const char *name = from_stdin ? "(stdin)" : path;
    if (st == LAS_ERR_BAD_SIZE) {
        las_cli_error("%s %s is larger than %zu bytes, the limit for it: not read", what, name,
                      max);
        return LAS_EXIT_REFUSED;
    }
    if (st == LAS_ERR_IO && errno == EISDIR)
        las_cli_error("cannot read %s %s: it is a directory, not a file", what, name);
    else if (st == LAS_ERR_IO)
        las_cli_error("cannot read %s %s: %s", what, name, strerror(errno));
    else
        las_cli_error("cannot read %s %s: %s", what, name, las_status_message(st));
    return LAS_EXIT_IO;
}

las_status las_cli_write_file(const char *path, const void *data, size_t len)
{
    FILE *f;
    if (strcmp(path, "-") == 0) {
        if (isatty(STDOUT_FILENO)) {
            las_cli_error("refusing to write binary data to a terminal; use --out FILE");
            return LAS_ERR_INVALID_ARGUMENT;
        }
        f = stdout;
    } else {
        f = fopen(path, "wb");
        if (f == NULL) {
            las_cli_error("cannot write %s: %s", path, strerror(errno));
            return LAS_ERR_IO;
        }
    }
    int ok = fwrite(data, 1, len, f) == len;
    ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
    if (!ok) {
        las_cli_error("cannot write %s: %s", path, strerror(errno));
        return LAS_ERR_IO;
    }
    return LAS_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Options of a program read from environment variables and from the
 * command line through one table, so that a flag and its variable always
 * parse the same way: `las serve` (src/daemon/config.c) and las-operator
 * (src/operator/opconfig.c). Defaults come first, then the variables, then
 * the flags.
 */
#ifndef LAS_OPTIONS_H
#define LAS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "las/status.h"

/*
 * Sets one option of config from value; value is NULL for a switch given
 * on the command line. Anything but LAS_OK means the value is bad.
 */
typedef las_status (*las_option_setter)(void *config, const char *value);

/* The most options a table may have. */
#define LAS_OPTIONS_MAX 32

struct las_option {
    const char *flag; /* "listen" for --listen */
    const char *env;  /* its variable, "LAS_LISTEN" */
    las_option_setter set;
    const char *arg; /* what its value looks like ("HOST:PORT"); NULL: a switch */
    const char *help;
    const char *expect; /* a valid value in words for errors ("a number 0..256"); NULL: arg */
};

struct las_options {
    const struct las_option *opt;
    size_t n;
    const char *program; /* named in messages: "las serve" */
    int usage_width;     /* of the "--flag ARG" column in the usage */
};

/* Applies every variable of the table that is set and not empty. why names the bad one. */
LAS_MUST_CHECK las_status las_options_from_env(const struct las_options *o, void *config, char *why,
                                               size_t why_len);

/*
 * Applies the flags of argv (argv[0] is the program or subcommand) with
 * getopt_long: "--name VALUE", "--name=VALUE", "--" ends the options; the
 * flags must be spelled out in full. LAS_ERR_INVALID_ARGUMENT with a reason
 * for an unknown or abbreviated flag, a missing or bad value, a value given
 * to a switch, or an argument that is not a flag. *help is set when --help
 * or -h is given, and nothing after it is read.
 */
LAS_MUST_CHECK las_status las_options_from_args(const struct las_options *o, void *config, int argc,
                                                char **argv, bool *help, char *why, size_t why_len);

/* One line per option: "--flag ARG", its help and its variable. */
void las_options_usage(const struct las_options *o, FILE *out);

/* For setters: a decimal number in [min, max], nothing else. */
LAS_MUST_CHECK las_status las_option_uint(const char *value, unsigned long min, unsigned long max,
                                          unsigned long *out);

/*
 * Defines the setter fn: a number in [min, max] (las_option_uint) into
 * ((type *)config)->field, and fn##_range, that range in words for the
 * table's expect field.
 */
#define LAS_OPTION_UINT_SETTER(fn, type, field, min, max)                                          \
    static const char fn##_range[] = "a number " #min ".." #max;                                   \
    static las_status fn(void *config, const char *v)                                              \
    {                                                                                              \
        unsigned long n;                                                                           \
        las_status st = las_option_uint(v, min, max, &n);                                          \
        if (st == LAS_OK)                                                                          \
            ((type *)config)->field = (unsigned)n;                                                 \
        return st;                                                                                 \
    }

/* For setters: value copied into dst[cap]; refused when it does not fit. */
LAS_MUST_CHECK las_status las_option_string(char *dst, size_t cap, const char *value);

/* For setters of switches: NULL (the flag alone), 1/true/yes, or 0/false/no. */
LAS_MUST_CHECK las_status las_option_switch(const char *value, bool *out);

#endif

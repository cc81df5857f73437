/* SPDX-License-Identifier: Apache-2.0 */
#include "common/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's val of option i. */
#define OPT_BASE 256

las_status las_option_uint(const char *value, unsigned long min, unsigned long max,
                           unsigned long *out)
{
    char *end = NULL;
    if (value == NULL || *value < '0' || *value > '9')
        return LAS_ERR_INVALID_ARGUMENT;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return LAS_ERR_INVALID_ARGUMENT;
    *out = v;
    return LAS_OK;
}

las_status las_option_string(char *dst, size_t cap, const char *value)
{
    if (value == NULL || strlen(value) >= cap)
        return LAS_ERR_INVALID_ARGUMENT;
    memcpy(dst, value, strlen(value) + 1);
    return LAS_OK;
}

las_status las_option_switch(const char *value, bool *out)
{
    if (value == NULL || strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ||
        strcmp(value, "yes") == 0)
        *out = true;
    else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
        *out = false;
    else
        return LAS_ERR_INVALID_ARGUMENT;
    return LAS_OK;
}

las_status las_options_from_env(const struct las_options *o, void *config, char *why,
                                size_t why_len)
{
    for (size_t i = 0; i < o->n; i++) {
        const struct las_option *opt = &o->opt[i];
        const char *v = getenv(opt->env);
        if (v == NULL || *v == '\0')
            continue;
        if (opt->set(config, v) != LAS_OK) {
            snprintf(why, why_len, "invalid value of %s: expected %s", opt->env,
                     opt->expect ? opt->expect
                     : opt->arg  ? opt->arg
                                 : "1 or 0");
            return LAS_ERR_INVALID_ARGUMENT;
        }
    }
    return LAS_OK;
}

/* Whether arg is "--flag" or "--flag=...": getopt_long also takes unique abbreviations. */
static bool spelled_out(const char *arg, const char *flag)
{
    size_t n = strlen(flag);
    return strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, flag, n) == 0 &&
           (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

/* LAS_OK when getopt_long's answer ch about arg is a flag of the table, spelled out. */
static las_status refuse_flag(const struct las_options *o, int ch, const char *arg, char *why,
                              size_t why_len)
{
    int n = (int)o->n;
    const struct las_option *opt =
        optopt >= OPT_BASE && optopt < OPT_BASE + n ? &o->opt[optopt - OPT_BASE] : NULL;
    if (ch == ':' && opt != NULL)
        snprintf(why, why_len, "option --%s needs a value (%s)", opt->flag, opt->arg);
    else if (ch == '?' && opt != NULL) /* a switch given a value: --allow-root=1 */
        snprintf(why, why_len, "option --%s takes no value", opt->flag);
    else if (ch < OPT_BASE || ch >= OPT_BASE + n)
        snprintf(why, why_len, "unknown or ambiguous option '%s'", arg);
    else if (!spelled_out(arg, o->opt[ch - OPT_BASE].flag))
        snprintf(why, why_len, "unknown option '%s' (did you mean --%s?)", arg,
                 o->opt[ch - OPT_BASE].flag);
    else
        return LAS_OK;
    return LAS_ERR_INVALID_ARGUMENT;
}

las_status las_options_from_args(const struct las_options *o, void *config, int argc, char **argv,
                                 bool *help, char *why, size_t why_len)
{
    /* getopt_long's table, made from the option table: val is the index + OPT_BASE. */
    struct option longopts[LAS_OPTIONS_MAX + 2] = {{0}};
    if (o->n > LAS_OPTIONS_MAX)
        abort(); /* a table of the program, not input */
    for (size_t i = 0; i < o->n; i++)
        longopts[i] =
            (struct option){o->opt[i].flag, o->opt[i].arg ? required_argument : no_argument, NULL,
                            OPT_BASE + (int)i};
    longopts[o->n] = (struct option){"help", no_argument, NULL, 'h'};

    *help = false;
    opterr = 0; /* the messages name the option and what it expects */
    optind = 0; /* 0, not 1: glibc then also forgets a previous parse */
    int ch, at = 1;
    while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            *help = true;
            return LAS_OK;
        }
        if (refuse_flag(o, ch, argv[at], why, why_len) != LAS_OK)
            return LAS_ERR_INVALID_ARGUMENT;
        const struct las_option *opt = &o->opt[ch - OPT_BASE];
        at = optind;
        if (opt->set(config, optarg) != LAS_OK) {
            snprintf(why, why_len, "invalid value '%s' for --%s: expected %s", optarg ? optarg : "",
                     opt->flag,
                     opt->expect ? opt->expect
                     : opt->arg  ? opt->arg
                                 : "no value");
            return LAS_ERR_INVALID_ARGUMENT;
        }
    }
    if (optind < argc) {
        snprintf(why, why_len, "unexpected argument '%s'", argv[optind]);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    return LAS_OK;
}

void las_options_usage(const struct las_options *o, FILE *out)
{
    for (size_t i = 0; i < o->n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", o->opt[i].flag, o->opt[i].arg ? o->opt[i].arg : "");
        fprintf(out, "  %-*s %s [%s]\n", o->usage_width, left, o->opt[i].help, o->opt[i].env);
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* las-operator options (opconfig.h). */
#include "operator/opconfig.h"

#include <string.h>

#include "common/options.h"
#include "operator/health.h"
#include "operator/spec.h"

/* The options' setters (common/options.h): config is a struct las_op_config. */
#define STRING_SETTER(fn, field)                                                                   \
    static las_status fn(void *config, const char *v)                                              \
    {                                                                                              \
        struct las_op_config *c = config;                                                          \
        return las_option_string(c->field, sizeof c->field, v);                                    \
    }
STRING_SETTER(set_kubeconfig, kubeconfig)
STRING_SETTER(set_context, context)
STRING_SETTER(set_identity, identity)

#define UINT_SETTER(fn, field, min, max)                                                           \
    LAS_OPTION_UINT_SETTER(fn, struct las_op_config, field, min, max)
UINT_SETTER(set_lease_duration, lease_duration, 2, 3600)
UINT_SETTER(set_renew_deadline, renew_deadline, 1, 3600)
UINT_SETTER(set_retry_period, retry_period, 1, 600)
UINT_SETTER(set_resync, resync, 5, 86400)
UINT_SETTER(set_evidence_timeout, evidence_timeout, 1, 300)
UINT_SETTER(set_max_nodes, max_nodes, 1, 100000)
UINT_SETTER(set_max_resources, max_resources, 1, 1000)

static las_status set_namespace(void *config, const char *v)
{
    struct las_op_config *c = config;
    return las_op_dns_label(v, 63) ? las_option_string(c->namespace, sizeof c->namespace, v)
                                   : LAS_ERR_INVALID_ARGUMENT;
}

static las_status set_lease_name(void *config, const char *v)
{
    struct las_op_config *c = config;
    return las_op_dns_label(v, 63) ? las_option_string(c->lease_name, sizeof c->lease_name, v)
                                   : LAS_ERR_INVALID_ARGUMENT;
}

static las_status set_listen(void *config, const char *v)
{
    struct las_op_config *c = config;
    struct sockaddr_storage ss;
    if (las_op_listen_parse(v, &ss) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    return las_option_string(c->listen, sizeof c->listen, v);
}

static las_status set_image(void *config, const char *v)
{
    struct las_op_config *c = config;
    if (*v == '\0' || strpbrk(v, " \t\r\n"))
        return LAS_ERR_INVALID_ARGUMENT;
    return las_option_string(c->image, sizeof c->image, v);
}

static las_status set_evidence_via(void *config, const char *v)
{
    struct las_op_config *c = config;
    if (strcmp(v, "pod") == 0)
        c->evidence_via_host = false;
    else if (strcmp(v, "host") == 0)
        c->evidence_via_host = true;
    else
        return LAS_ERR_INVALID_ARGUMENT;
    return LAS_OK;
}

static las_status set_log_level(void *config, const char *v)
{
    struct las_op_config *c = config;
    return las_log_level_parse(v, &c->log_level) ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

static las_status set_log_format(void *config, const char *v)
{
    struct las_op_config *c = config;
    return las_log_format_parse(v, &c->log_format) ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

static las_status set_allow_root(void *config, const char *v)
{
    return las_option_switch(v, &((struct las_op_config *)config)->allow_root);
}

static const struct las_option options[] = {
    {"kubeconfig", "LAS_OPERATOR_KUBECONFIG", set_kubeconfig, "PATH",
     "kubeconfig to use outside a cluster (default: in-cluster service account)", NULL},
    {"context", "LAS_OPERATOR_CONTEXT", set_context, "NAME",
     "kubeconfig context (default: its current-context)", NULL},
    {"namespace", "LAS_OPERATOR_NAMESPACE", set_namespace, "NS",
     "namespace whose LocalAttestationServices to manage, and of the Lease (default: the "
     "operator's own)",
     NULL},
    {"listen", "LAS_OPERATOR_LISTEN", set_listen, "HOST:PORT",
     "address of /healthz, /readyz and /metrics (default " LAS_OP_DEFAULT_LISTEN ")", NULL},
    {"image", "LAS_OPERATOR_IMAGE", set_image, "IMAGE",
     "LAS image for resources that name none; also runs the state-directory init container", NULL},
    {"identity", "LAS_OPERATOR_IDENTITY", set_identity, "NAME",
     "leader-election identity (default: host name and pid)", NULL},
    {"lease-name", "LAS_OPERATOR_LEASE_NAME", set_lease_name, "NAME",
     "name of the leader-election Lease (default las-operator)", NULL},
    {"lease-duration", "LAS_OPERATOR_LEASE_DURATION", set_lease_duration, "SECONDS",
     "how long a Lease holds without renewal (default 15)", set_lease_duration_range},
    {"renew-deadline", "LAS_OPERATOR_RENEW_DEADLINE", set_renew_deadline, "SECONDS",
     "the leader stops writing when it could not renew for this long (default 10)",
     set_renew_deadline_range},
    {"retry-period", "LAS_OPERATOR_RETRY_PERIOD", set_retry_period, "SECONDS",
     "between two attempts to acquire or renew the Lease (default 2)", set_retry_period_range},
    {"resync", "LAS_OPERATOR_RESYNC", set_resync, "SECONDS",
     "full sweep of each resource: apply, fetch every node's evidence (default 60)",
     set_resync_range},
    {"evidence-timeout", "LAS_OPERATOR_EVIDENCE_TIMEOUT", set_evidence_timeout, "SECONDS",
     "timeout of one GET /v1/platform (default 5)", set_evidence_timeout_range},
    {"evidence-via", "LAS_OPERATOR_EVIDENCE_VIA", set_evidence_via, "pod|host",
     "where to ask each LAS: its pod's IP and port, or its node's IP and host port (default "
     "pod)",
     NULL},
    {"max-nodes", "LAS_OPERATOR_MAX_NODES", set_max_nodes, "N",
     "LAS pods tracked in all; more are ignored with a warning (default 5000)",
     set_max_nodes_range},
    {"max-resources", "LAS_OPERATOR_MAX_RESOURCES", set_max_resources, "N",
     "LocalAttestationServices tracked (default 16)", set_max_resources_range},
    {"log-level", "LAS_OPERATOR_LOG_LEVEL", set_log_level, "debug|info|warn|error",
     "least severe level logged (default info)", NULL},
    {"log-format", "LAS_OPERATOR_LOG_FORMAT", set_log_format, "text|json",
     "log format (default text)", NULL},
    {"allow-root", "LAS_OPERATOR_ALLOW_ROOT", set_allow_root, NULL,
     "run even as root (refused by default)", NULL},
};

static const struct las_options table = {options, sizeof options / sizeof options[0],
                                         "las-operator", 30};

void las_op_config_defaults(struct las_op_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->listen, LAS_OP_DEFAULT_LISTEN);
    strcpy(c->lease_name, "las-operator");
    c->lease_duration = 15;
    c->renew_deadline = 10;
    c->retry_period = 2;
    c->resync = 60;
    c->evidence_timeout = 5;
    c->max_nodes = 5000;
    c->max_resources = 16;
    c->log_level = LAS_LOG_INFO;
    c->log_format = LAS_LOG_TEXT;
}

las_status las_op_config_from_env(struct las_op_config *c, char *why, size_t why_len)
{
    return las_options_from_env(&table, c, why, why_len);
}

las_status las_op_config_from_args(struct las_op_config *c, int argc, char **argv, bool *help,
                                   char *why, size_t why_len)
{
    return las_options_from_args(&table, c, argc, argv, help, why, why_len);
}

las_status las_op_config_check(const struct las_op_config *c, char *why, size_t why_len)
{
    if (c->renew_deadline >= c->lease_duration) {
        snprintf(why, why_len,
                 "--renew-deadline (%u s) must be shorter than --lease-duration "
                 "(%u s)",
                 c->renew_deadline, c->lease_duration);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (c->retry_period >= c->renew_deadline) {
        snprintf(why, why_len,
                 "--retry-period (%u s) must be shorter than --renew-deadline "
                 "(%u s)",
                 c->retry_period, c->renew_deadline);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (c->image[0] == '\0') {
        snprintf(why, why_len, "--image (LAS_OPERATOR_IMAGE) is required: the LAS image");
        return LAS_ERR_INVALID_ARGUMENT;
    }
    return LAS_OK;
}

void las_op_config_usage(FILE *out)
{
    fprintf(out, "usage: las-operator [OPTIONS]\n"
                 "       las-operator init-state-dir DIR   (the DaemonSet's init container)\n"
                 "       las-operator version\n\n"
                 "Options (each also read from its variable):\n");
    las_options_usage(&table, out);
}

void las_op_config_log(const struct las_op_config *c)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    las_info("config: kubeconfig=%s context=%s namespace=%s listen=%s",
             c->kubeconfig[0] ? c->kubeconfig : "(in-cluster)",
             c->context[0] ? c->context : "(current)", c->namespace[0] ? c->namespace : "(own)",
             c->listen);
    las_info("config: image=%s identity=%s lease-name=%s lease-duration=%us renew-deadline=%us "
             "retry-period=%us",
             c->image, c->identity, c->lease_name, c->lease_duration, c->renew_deadline,
             c->retry_period);
    las_info("config: resync=%us evidence-timeout=%us evidence-via=%s max-nodes=%u "
             "max-resources=%u log-level=%s log-format=%s allow-root=%s",
             c->resync, c->evidence_timeout, c->evidence_via_host ? "host" : "pod", c->max_nodes,
             c->max_resources, levels[c->log_level],
             c->log_format == LAS_LOG_JSON ? "json" : "text", c->allow_root ? "yes" : "no");
}

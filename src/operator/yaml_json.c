/* SPDX-License-Identifier: Apache-2.0 */
/* YAML to jansson (yaml_json.h). */
#include "operator/yaml_json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static json_t *scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (strcmp(v, "true") == 0)
            return json_true();
        if (strcmp(v, "false") == 0)
            return json_false();
        if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || len == 0)
            return json_null();
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (len > 0 && errno == 0 && *end == '\0' && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
            return json_integer(n);
    }
    return json_stringn(v, len);
}

/* Parses one node whose first event is ev (consumed); NULL on error. */
static json_t *node(yaml_parser_t *p, yaml_event_t *ev, int depth, char *why, size_t why_len)
{
    if (depth > LAS_OP_YAML_MAX_DEPTH) {
        snprintf(why, why_len, "nested deeper than %d levels", LAS_OP_YAML_MAX_DEPTH);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar(ev);
    case YAML_ALIAS_EVENT:
        snprintf(why, why_len, "line %zu: aliases are not supported",
                 (size_t)ev->start_mark.line + 1);
        return NULL;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        break;
    default:
        snprintf(why, why_len, "line %zu: unexpected YAML event", (size_t)ev->start_mark.line + 1);
        return NULL;
    }
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    json_t *out = map ? json_object() : json_array();
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(p, &e)) {
            snprintf(why, why_len, "line %zu: %s", (size_t)p->problem_mark.line + 1,
                     p->problem ? p->problem : "syntax error");
            json_decref(out);
            return NULL;
        }
        if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&e);
            return out;
        }
        if (!map) {
            json_t *v = node(p, &e, depth + 1, why, why_len);
            yaml_event_delete(&e);
            if (v == NULL) {
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, v);
            continue;
        }
        if (e.type != YAML_SCALAR_EVENT) {
            snprintf(why, why_len, "line %zu: mapping keys must be scalars",
                     (size_t)e.start_mark.line + 1);
            yaml_event_delete(&e);
            json_decref(out);
            return NULL;
        }
        char *key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
        size_t line = (size_t)e.start_mark.line + 1;
        yaml_event_delete(&e);
        yaml_event_t ve;
        json_t *v = NULL;
        if (key == NULL || !yaml_parser_parse(p, &ve)) {
            snprintf(why, why_len, "line %zu: %s", line, key ? "syntax error" : "out of memory");
        } else {
            v = node(p, &ve, depth + 1, why, why_len);
            yaml_event_delete(&ve);
        }
        if (v != NULL && json_object_get(out, key) != NULL) {
            snprintf(why, why_len, "line %zu: duplicate key \"%s\"", line, key);
            json_decref(v);
            v = NULL;
        }
        if (v == NULL) {
            free(key);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, key, v);
        free(key);
    }
}

las_status las_op_yaml_load(const uint8_t *buf, size_t len, json_t **out, char *why, size_t why_len)
{
    yaml_parser_t p;
    json_t *doc = NULL;
    *out = NULL;
    if (!yaml_parser_initialize(&p)) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    yaml_parser_set_input_string(&p, buf, len);
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            snprintf(why, why_len, "line %zu: %s", (size_t)p.problem_mark.line + 1,
                     p.problem ? p.problem : "syntax error");
            break;
        }
        yaml_event_type_t t = e.type;
        if (t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&e);
            if (doc == NULL)
                snprintf(why, why_len, "empty document");
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&e);
            continue;
        }
        doc = node(&p, &e, 0, why, why_len);
        yaml_event_delete(&e);
        if (doc == NULL)
            break;
    }
    yaml_parser_delete(&p);
    if (doc == NULL)
        return LAS_ERR_MALFORMED;
    *out = doc;
    return LAS_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/metrics.h"

static void test_render_counts_and_histogram(void **state)
{
    (void)state;
    static struct las_metrics m;
    char buf[16384];
    las_metrics_init(&m);
    las_metrics_request(&m, LAS_ROUTE_QUOTE, 200, 300000);        /* 0.3 ms */
    las_metrics_request(&m, LAS_ROUTE_QUOTE, 403, 2000000);       /* 2 ms */
    las_metrics_request(&m, LAS_ROUTE_OTHER, 404, 50000);         /* 0.05 ms */
    las_metrics_request(&m, LAS_ROUTE_QUOTE, 418, 5000000000ull); /* 5 s, untracked code */
    las_metrics_quote(&m, LAS_OK);
    las_metrics_quote(&m, LAS_ERR_REPORT_MAC);
    size_t n = las_metrics_render(&m, "1.2.3", "sim", buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "las_build_info{version=\"1.2.3\",mode=\"sim\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_requests_total{handler=\"quote\",code=\"200\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_requests_total{handler=\"quote\",code=\"403\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_requests_total{handler=\"quote\",code=\"other\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_requests_total{handler=\"other\",code=\"404\"} 1\n"));
    assert_non_null(strstr(buf, "las_quotes_total{outcome=\"issued\"} 1\n"));
    assert_non_null(strstr(buf, "las_quotes_total{outcome=\"report_mac_invalid\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_request_duration_seconds_bucket{le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(buf, "las_http_request_duration_seconds_bucket{le=\"0.0005\"} 2\n"));
    assert_non_null(strstr(buf, "las_http_request_duration_seconds_bucket{le=\"1\"} 3\n"));
    assert_non_null(strstr(buf, "las_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(buf, "las_http_request_duration_seconds_count 4\n"));
    assert_non_null(strstr(buf, "# TYPE las_http_requests_total counter\n"));
    /* Too small a buffer is reported, not truncated silently. */
    assert_int_equal(las_metrics_render(&m, "1.2.3", "sim", buf, 100), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_counts_and_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Units a user writes: sizes, times, rates, integers, and their formats. */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "sim/core/params.h"
#include "sim/core/units.h"

static void test_sizes(void) {
  static const struct {
    const char *text;
    int64_t bytes;
  } ok[] = {
      {"0", 0},
      {"512", 512},
      {"4k", 4096},
      {"4K", 4096},
      {"4KiB", 4096},
      {"4kb", 4096},
      {"1m", 1048576},
      {"1.5m", 1572864},
      {"2g", 2147483648LL},
      {"1t", 1099511627776LL},
      {" 8k ", 8192},
      {"512b", 512},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
    int64_t v = -1;
    GError *err = NULL;
    g_assert_true(units_parse_size(ok[i].text, &v, &err));
    g_assert_no_error(err);
    g_assert_cmpint(v, ==, ok[i].bytes);
  }
  static const struct {
    const char *text;
    int code;
    const char *msg;
  } bad[] = {
      {"4q", UNITS_ERROR_SYNTAX,
       "invalid size '4q' (a number of bytes, or with k, m, g or t for powers "
       "of 1024, e.g. 4k)"},
      {"", UNITS_ERROR_SYNTAX, NULL},
      {"k", UNITS_ERROR_SYNTAX, NULL},
      {"-4k", UNITS_ERROR_RANGE, "size '-4k' is negative"},
      {"99999999t", UNITS_ERROR_RANGE, "size '99999999t' is too large"},
      {"1.3", UNITS_ERROR_SYNTAX, "size '1.3' is not a whole number of bytes"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    int64_t v = 7;
    GError *err = NULL;
    g_assert_false(units_parse_size(bad[i].text, &v, &err));
    g_assert_error(err, UNITS_ERROR, bad[i].code);
    if (bad[i].msg)
      g_assert_cmpstr(err->message, ==, bad[i].msg);
    g_assert_cmpint(v, ==, 7); /* untouched on error */
    g_error_free(err);
  }
}

static void test_times(void) {
  static const struct {
    const char *text;
    int64_t ns;
  } ok[] = {
      {"0", 0},
      {"250ns", 250},
      {"100us", 100000},
      {"8ms", 8000000},
      {"2s", 2000000000},
      {"1.5ms", 1500000},
      {"0.25s", 250000000},
      {"0ms", 0},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
    int64_t v = -1;
    g_assert_true(units_parse_time(ok[i].text, &v, NULL));
    g_assert_cmpint(v, ==, ok[i].ns);
  }
  GError *err = NULL;
  int64_t v;
  g_assert_false(units_parse_time("8", &v, &err));
  g_assert_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX);
  g_assert_cmpstr(err->message, ==,
                  "time '8' has no unit (add a unit, e.g. 8ms)");
  g_clear_error(&err);
  g_assert_false(units_parse_time("8mss", &v, &err));
  g_assert_cmpstr(
      err->message, ==,
      "invalid time '8mss' (a number with ns, us, ms or s, e.g. 8ms)");
  g_clear_error(&err);
  g_assert_false(units_parse_time("-1ms", &v, &err));
  g_assert_error(err, UNITS_ERROR, UNITS_ERROR_RANGE);
  g_clear_error(&err);
  g_assert_false(units_parse_time("10000000000s", &v, &err));
  g_assert_error(err, UNITS_ERROR, UNITS_ERROR_RANGE);
  g_clear_error(&err);
}

static void test_rates_and_ints(void) {
  double r = 0;
  g_assert_true(units_parse_rate("125MB/s", &r, NULL));
  g_assert_cmpfloat(r, ==, 125e6);
  g_assert_true(units_parse_rate("500KB/s", &r, NULL));
  g_assert_cmpfloat(r, ==, 500e3);
  g_assert_true(units_parse_rate("1GB/s", &r, NULL));
  g_assert_cmpfloat(r, ==, 1e9);
  g_assert_true(units_parse_rate("100B/s", &r, NULL));
  g_assert_cmpfloat(r, ==, 100);
  g_assert_true(units_parse_rate("1MiB/s", &r, NULL));
  g_assert_cmpfloat(r, ==, 1048576);
  GError *err = NULL;
  g_assert_false(units_parse_rate("125", &r, &err));
  g_assert_cmpstr(err->message, ==,
                  "rate '125' has no unit (add a unit, e.g. 100MB/s)");
  g_clear_error(&err);
  g_assert_false(units_parse_rate("125MB", &r, &err));
  g_assert_error(err, UNITS_ERROR, UNITS_ERROR_SYNTAX);
  g_clear_error(&err);

  int64_t v;
  g_assert_true(units_parse_int("-20", &v, NULL));
  g_assert_cmpint(v, ==, -20);
  g_assert_true(units_parse_int("+7", &v, NULL));
  g_assert_cmpint(v, ==, 7);
  g_assert_false(units_parse_int("4k", &v, &err));
  g_assert_cmpstr(err->message, ==, "invalid integer '4k'");
  g_clear_error(&err);
  g_assert_false(units_parse_int("99999999999999999999", &v, &err));
  g_assert_error(err, UNITS_ERROR, UNITS_ERROR_RANGE);
  g_clear_error(&err);
}

static void test_format(void) {
  static const struct {
    int64_t bytes;
    const char *text;
  } sizes[] = {
      {0, "0 B"},           {512, "512 B"},        {4096, "4 KiB"},
      {1572864, "1.5 MiB"}, {1073741824, "1 GiB"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    g_autofree char *s = units_format_size(sizes[i].bytes);
    g_assert_cmpstr(s, ==, sizes[i].text);
  }
  static const struct {
    int64_t ns;
    const char *text;
  } times[] = {
      {250, "250 ns"},
      {8000000, "8 ms"},
      {1500000000, "1.5 s"},
      {100000, "100 us"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
    g_autofree char *s = units_format_time(times[i].ns);
    g_assert_cmpstr(s, ==, times[i].text);
  }
  g_autofree char *r = units_format_rate(125e6);
  g_assert_cmpstr(r, ==, "125.0 MB/s");
}

/* What the summary prints must read back as the same value. */
static void test_round_trip(void) {
  static const int64_t sizes[] = {512, 4096, 65536, 1 << 20, 3LL << 30};
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    g_autofree char *s = units_format_size(sizes[i]);
    char *sp = strchr(s, ' ');
    memmove(sp, sp + 1, strlen(sp)); /* "4 KiB" -> "4KiB" */
    int64_t back;
    g_assert_true(units_parse_size(s, &back, NULL));
    g_assert_cmpint(back, ==, sizes[i]);
  }
  static const int64_t times[] = {250, 100000, 8000000, 2000000000};
  for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
    g_autofree char *s = units_format_time(times[i]);
    char *sp = strchr(s, ' ');
    memmove(sp, sp + 1, strlen(sp));
    int64_t back;
    g_assert_true(units_parse_time(s, &back, NULL));
    g_assert_cmpint(back, ==, times[i]);
  }
  double rates[] = {125e6, 500e3, 1e9};
  for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
    g_autofree char *s = units_format_rate(rates[i]);
    char *sp = strchr(s, ' ');
    memmove(sp, sp + 1, strlen(sp));
    double back;
    g_assert_true(units_parse_rate(s, &back, NULL));
    g_assert_cmpfloat(back, ==, rates[i]);
  }
}

/* ---- parameter tables (params.c is exercised here: it is units in a
 * table) ---- */

typedef struct {
  int64_t idle, quantum, cap;
  double rate;
  bool on;
  int mode;
} cfg_t;

static const char *const modes[] = {"fast", "slow", NULL};
static const param_desc table[] = {
    {"slice_idle", PARAM_TIME, offsetof(cfg_t, idle), "8ms", 0, 1e9, NULL, ""},
    {"quantum", PARAM_INT, offsetof(cfg_t, quantum), "8", 1, 64, NULL, ""},
    {"capacity", PARAM_SIZE, offsetof(cfg_t, cap), "1g", 1 << 20, 1LL << 40,
     NULL, ""},
    {"rate", PARAM_RATE, offsetof(cfg_t, rate), "150MB/s", PARAM_NO_RANGE, NULL,
     ""},
    {"low_latency", PARAM_BOOL, offsetof(cfg_t, on), "true", PARAM_NO_RANGE,
     NULL, ""},
    {"mode", PARAM_ENUM, offsetof(cfg_t, mode), "slow", PARAM_NO_RANGE, modes,
     ""},
    {.name = NULL},
};

static void test_params(void) {
  g_autofree cfg_t *c = params_defaults(table, sizeof(cfg_t));
  g_assert_cmpint(c->idle, ==, 8000000);
  g_assert_cmpint(c->quantum, ==, 8);
  g_assert_cmpint(c->cap, ==, 1LL << 30);
  g_assert_cmpfloat(c->rate, ==, 150e6);
  g_assert_true(c->on);
  g_assert_cmpint(c->mode, ==, 1);

  const param_desc *p = params_find(table, "slice_idle");
  g_assert_nonnull(p);
  g_assert_null(params_find(table, "slice_idel"));
  GError *err = NULL;
  g_assert_true(params_set(p, c, "0", &err));
  g_assert_cmpint(c->idle, ==, 0);
  g_assert_false(params_set(p, c, "2s", &err));
  g_assert_error(err, PARAMS_ERROR, PARAMS_ERROR_VALUE);
  g_assert_cmpstr(err->message, ==,
                  "slice_idle: 2 s is out of range (0 ns to 1 s)");
  g_clear_error(&err);
  g_assert_cmpint(c->idle, ==, 0);
  g_assert_false(params_set(params_find(table, "quantum"), c, "65", &err));
  g_assert_cmpstr(err->message, ==, "quantum: 65 is out of range (1 to 64)");
  g_clear_error(&err);
  g_assert_false(params_set(params_find(table, "capacity"), c, "4k", &err));
  g_assert_cmpstr(err->message, ==,
                  "capacity: 4 KiB is out of range (1 MiB to 1 TiB)");
  g_clear_error(&err);
  g_assert_false(params_set(p, c, "8", &err));
  g_assert_cmpstr(err->message, ==,
                  "slice_idle: time '8' has no unit (add a unit, e.g. 8ms)");
  g_clear_error(&err);
  g_assert_true(params_set(params_find(table, "low_latency"), c, "off", NULL));
  g_assert_false(c->on);
  g_assert_false(
      params_set(params_find(table, "low_latency"), c, "maybe", &err));
  g_assert_cmpstr(err->message, ==,
                  "low_latency: invalid boolean 'maybe' (use true or false)");
  g_clear_error(&err);
  g_assert_true(params_set(params_find(table, "mode"), c, "fast", NULL));
  g_assert_cmpint(c->mode, ==, 0);
  g_assert_false(params_set(params_find(table, "mode"), c, "slo", &err));
  g_assert_cmpstr(
      err->message, ==,
      "mode: 'slo' is not one of fast, slow (did you mean 'slow'?)");
  g_clear_error(&err);

  g_assert_cmpstr(params_suggest(table, "slice_idel"), ==, "slice_idle");
  g_assert_cmpstr(params_suggest(table, "quantom"), ==, "quantum");
  g_assert_null(params_suggest(table, "frobnicate"));
  /* long names tolerate more typos: max(2, len/3) */
  g_assert_cmpstr(params_suggest(table, "lo_latnecy"), ==, "low_latency");
}

/* Integer ranges are checked as integers (as doubles, one past 9e18 was
 * within 0..9e18 and 2^63 - 1 printed as -2^63). */
static void test_params_int_range(void) {
  typedef struct {
    int64_t n;
  } big_t;
  static const param_desc big[] = {
      {"seed", PARAM_INT, offsetof(big_t, n), "1", 0, 9e18, NULL, ""},
      {.name = NULL},
  };
  big_t b = {0};
  GError *err = NULL;
  g_assert_true(params_set(&big[0], &b, "9000000000000000000", &err));
  g_assert_no_error(err);
  g_assert_cmpint(b.n, ==, 9000000000000000000);
  g_assert_false(params_set(&big[0], &b, "9000000000000000001", &err));
  g_assert_cmpstr(err->message, ==,
                  "seed: 9000000000000000001 is out of range (0 to "
                  "9000000000000000000)");
  g_clear_error(&err);
  g_assert_false(params_set(&big[0], &b, "9223372036854775807", &err));
  g_assert_cmpstr(err->message, ==,
                  "seed: 9223372036854775807 is out of range (0 to "
                  "9000000000000000000)");
  g_clear_error(&err);
  g_assert_cmpint(b.n, ==, 9000000000000000000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/units/sizes", test_sizes);
  g_test_add_func("/units/times", test_times);
  g_test_add_func("/units/rates_and_ints", test_rates_and_ints);
  g_test_add_func("/units/format", test_format);
  g_test_add_func("/units/round_trip", test_round_trip);
  g_test_add_func("/units/params", test_params);
  g_test_add_func("/units/params-int-range", test_params_int_range);
  return g_test_run();
}

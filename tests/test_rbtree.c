/* The intrusive red-black tree against a sorted array: random inserts and
 * erases (duplicates keyed apart by insertion order, as CFQ keys them),
 * the red-black rules checked after every change, in-order walks both
 * ways, and the cached first node. */
#include "sim/core/rbtree.h"

#include <glib.h>

typedef struct item {
  int key;
  guint seq;
  rbtree_node node;
  bool in;
} item;

static bool item_less(const item *a, const item *b) {
  return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void insert(rbtree *t, item *it) {
  rbtree_node **link = &t->root, *parent = NULL;
  bool leftmost = true;
  while (*link) {
    parent = *link;
    if (item_less(it, rbtree_entry(parent, item, node))) {
      link = &parent->left;
    } else {
      link = &parent->right;
      leftmost = false;
    }
  }
  rbtree_link(t, &it->node, parent, link, leftmost);
  it->in = true;
}

static gint item_cmp(gconstpointer a, gconstpointer b) {
  const item *x = *(item *const *)a, *y = *(item *const *)b;
  return item_less(x, y) ? -1 : item_less(y, x) ? 1 : 0;
}

/* The tree holds exactly the items marked in, in key order, both ways. */
static void check_against(const rbtree *t, item *items, guint n) {
  g_assert_cmpint(rbtree_check(t), >=, 0);
  GPtrArray *want = g_ptr_array_new();
  for (guint i = 0; i < n; i++)
    if (items[i].in)
      g_ptr_array_add(want, &items[i]);
  g_ptr_array_sort(want, item_cmp);
  guint k = 0;
  for (rbtree_node *x = rbtree_first(t); x; x = rbtree_next(x), k++) {
    g_assert_cmpuint(k, <, want->len);
    g_assert_true(rbtree_entry(x, item, node) == g_ptr_array_index(want, k));
  }
  g_assert_cmpuint(k, ==, want->len);
  for (rbtree_node *x = rbtree_last(t); x; x = rbtree_prev(x)) {
    g_assert_cmpuint(k, >, 0);
    k--;
    g_assert_true(rbtree_entry(x, item, node) == g_ptr_array_index(want, k));
  }
  g_assert_cmpuint(k, ==, 0);
  g_assert_true(rbtree_empty(t) == (want->len == 0));
  g_ptr_array_free(want, TRUE);
}

static void test_random_against_sorted(void) {
  enum { N = 300, STEPS = 6000 };
  item *items = g_new0(item, N);
  GRand *r = g_rand_new_with_seed(12);
  rbtree t = RBTREE_INIT;
  guint seq = 0;
  for (int s = 0; s < STEPS; s++) {
    item *it = &items[g_rand_int_range(r, 0, N)];
    if (it->in) {
      rbtree_erase(&t, &it->node);
      it->in = false;
    } else {
      it->key = g_rand_int_range(r, 0, 40); /* many equal keys */
      it->seq = seq++;
      insert(&t, it);
    }
    if (s % 7 == 0 || s < 200)
      check_against(&t, items, N);
  }
  check_against(&t, items, N);
  g_rand_free(r);
  g_free(items);
}

/* Ascending and descending runs: the shapes that unbalance a plain tree. */
static void test_monotone_runs(void) {
  enum { N = 1000 };
  item *items = g_new0(item, N);
  rbtree t;
  rbtree_init(&t);
  for (int i = 0; i < N; i++) {
    items[i].key = i < N / 2 ? i : N - i;
    items[i].seq = (guint)i;
    insert(&t, &items[i]);
  }
  check_against(&t, items, N);
  /* erase from the front, as a dispatcher takes the first queue */
  for (int i = 0; i < N; i++) {
    rbtree_node *f = rbtree_first(&t);
    item *it = rbtree_entry(f, item, node);
    rbtree_erase(&t, f);
    it->in = false;
    if (i % 50 == 0)
      check_against(&t, items, N);
  }
  g_assert_true(rbtree_empty(&t));
  g_assert_null(rbtree_first(&t));
  g_assert_null(rbtree_last(&t));
  g_free(items);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rbtree/random-against-sorted", test_random_against_sorted);
  g_test_add_func("/rbtree/monotone-runs", test_monotone_runs);
  return g_test_run();
}

/* An intrusive red-black tree: the node lives inside the object it orders
 * (as the kernel's CFQ keeps rb_node in its queues, groups and requests),
 * so inserting and removing allocate nothing, and every operation is
 * O(log n).  The tree knows no keys: the caller descends to the empty
 * link where a new node belongs (comparing its own keys) and hands that
 * link to rbtree_link, which rebalances.  The first node is cached, since
 * CFQ asks for it on every dispatch.
 *
 *   rbtree_node **link = &t->root, *parent = NULL;
 *   bool leftmost = true;
 *   while (*link) {
 *     parent = *link;
 *     if (key_less(mine, parent)) link = &parent->left;
 *     else { link = &parent->right; leftmost = false; }
 *   }
 *   rbtree_link(t, &mine->node, parent, link, leftmost);
 */
#ifndef CFQSIM_RBTREE_H
#define CFQSIM_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rbtree_node {
  struct rbtree_node *parent, *left, *right;
  bool red;
} rbtree_node;

typedef struct rbtree {
  rbtree_node *root;
  rbtree_node *first; /* leftmost node, NULL when empty */
} rbtree;

#define RBTREE_INIT \
  { NULL, NULL }

/* The object holding `node` as its member `member`. */
#define rbtree_entry(node, type, member) \
  ((type *)((char *)(node)-offsetof(type, member)))

static inline void rbtree_init(rbtree *t) { t->root = t->first = NULL; }
static inline bool rbtree_empty(const rbtree *t) { return t->root == NULL; }
static inline rbtree_node *rbtree_first(const rbtree *t) { return t->first; }

/* Puts `n` at the empty `link` (a child pointer of `parent`, or &t->root
 * with parent NULL) found by the caller's descent, then rebalances.
 * `leftmost`: the descent never went right, so `n` is the new first. */
void rbtree_link(rbtree *t, rbtree_node *n, rbtree_node *parent,
                 rbtree_node **link, bool leftmost);
/* Takes `n` out of `t` (it must be in it). */
void rbtree_erase(rbtree *t, rbtree_node *n);

rbtree_node *rbtree_last(const rbtree *t);
/* In-order neighbours; NULL past either end. */
rbtree_node *rbtree_next(const rbtree_node *n);
rbtree_node *rbtree_prev(const rbtree_node *n);

/* Checks the red-black rules and the parent links; returns the black
 * height, or -1 if a rule is broken (tests). */
int rbtree_check(const rbtree *t);

#endif

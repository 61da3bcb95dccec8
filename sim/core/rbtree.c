/* The intrusive red-black tree (see rbtree.h).  Textbook balancing: a red
 * node has black children, every path from a node down to an empty link
 * crosses as many black nodes, so no path is more than twice another. */
#include "sim/core/rbtree.h"

/* Puts `to` where `from` hangs (under from's parent, or at the root). */
static void replace_child(rbtree *t, rbtree_node *from, rbtree_node *to,
                          rbtree_node *parent) {
  if (!parent)
    t->root = to;
  else if (parent->left == from)
    parent->left = to;
  else
    parent->right = to;
  if (to)
    to->parent = parent;
}

/* x's right child takes x's place; x becomes its left child. */
static void rotate_left(rbtree *t, rbtree_node *x) {
  rbtree_node *y = x->right;
  x->right = y->left;
  if (y->left)
    y->left->parent = x;
  replace_child(t, x, y, x->parent);
  y->left = x;
  x->parent = y;
}

static void rotate_right(rbtree *t, rbtree_node *x) {
  rbtree_node *y = x->left;
  x->left = y->right;
  if (y->right)
    y->right->parent = x;
  replace_child(t, x, y, x->parent);
  y->right = x;
  x->parent = y;
}

static bool is_red(const rbtree_node *n) { return n && n->red; }

void rbtree_link(rbtree *t, rbtree_node *n, rbtree_node *parent,
                 rbtree_node **link, bool leftmost) {
  n->parent = parent;
  n->left = n->right = NULL;
  n->red = true;
  *link = n;
  if (leftmost)
    t->first = n;
  /* A red node under a red parent: recolour while the uncle is red
   * (pushing the conflict two levels up), else rotate once or twice. */
  rbtree_node *z = n, *p;
  while ((p = z->parent) && p->red) {
    rbtree_node *g = p->parent; /* exists: the root is black */
    if (p == g->left) {
      rbtree_node *u = g->right;
      if (is_red(u)) {
        p->red = u->red = false;
        g->red = true;
        z = g;
        continue;
      }
      if (z == p->right) {
        rotate_left(t, p);
        z = p;
        p = z->parent;
      }
      p->red = false;
      g->red = true;
      rotate_right(t, g);
    } else {
      rbtree_node *u = g->left;
      if (is_red(u)) {
        p->red = u->red = false;
        g->red = true;
        z = g;
        continue;
      }
      if (z == p->left) {
        rotate_right(t, p);
        z = p;
        p = z->parent;
      }
      p->red = false;
      g->red = true;
      rotate_left(t, g);
    }
  }
  t->root->red = false;
}

/* After a black node left the tree, the paths through `x` (maybe an empty
 * link, below `parent`) lack one black node: borrow one from the sibling's
 * side, or move the deficit up. */
static void erase_fixup(rbtree *t, rbtree_node *x, rbtree_node *parent) {
  while (x != t->root && !is_red(x)) {
    if (x == parent->left) {
      rbtree_node *w = parent->right;
      if (w->red) {
        w->red = false;
        parent->red = true;
        rotate_left(t, parent);
        w = parent->right;
      }
      if (!is_red(w->left) && !is_red(w->right)) {
        w->red = true;
        x = parent;
        parent = x->parent;
        continue;
      }
      if (!is_red(w->right)) {
        w->left->red = false;
        w->red = true;
        rotate_right(t, w);
        w = parent->right;
      }
      w->red = parent->red;
      parent->red = false;
      w->right->red = false;
      rotate_left(t, parent);
      x = t->root;
    } else {
      rbtree_node *w = parent->left;
      if (w->red) {
        w->red = false;
        parent->red = true;
        rotate_right(t, parent);
        w = parent->left;
      }
      if (!is_red(w->left) && !is_red(w->right)) {
        w->red = true;
        x = parent;
        parent = x->parent;
        continue;
      }
      if (!is_red(w->left)) {
        w->right->red = false;
        w->red = true;
        rotate_left(t, w);
        w = parent->left;
      }
      w->red = parent->red;
      parent->red = false;
      w->left->red = false;
      rotate_right(t, parent);
      x = t->root;
    }
  }
  if (x)
    x->red = false;
}

void rbtree_erase(rbtree *t, rbtree_node *n) {
  if (t->first == n)
    t->first = rbtree_next(n);
  rbtree_node *x, *parent;
  bool removed_red;
  if (!n->left || !n->right) {
    x = n->left ? n->left : n->right;
    parent = n->parent;
    removed_red = n->red;
    replace_child(t, n, x, parent);
  } else {
    /* n's successor, which has no left child, takes n's place and colour;
     * the colour lost is the successor's */
    rbtree_node *y = n->right;
    while (y->left)
      y = y->left;
    removed_red = y->red;
    x = y->right;
    if (y->parent == n) {
      parent = y;
    } else {
      parent = y->parent;
      replace_child(t, y, x, parent);
      y->right = n->right;
      y->right->parent = y;
    }
    replace_child(t, n, y, n->parent);
    y->left = n->left;
    y->left->parent = y;
    y->red = n->red;
  }
  if (!removed_red)
    erase_fixup(t, x, parent);
  n->parent = n->left = n->right = NULL;
}

rbtree_node *rbtree_last(const rbtree *t) {
  rbtree_node *n = t->root;
  if (n)
    while (n->right)
      n = n->right;
  return n;
}

rbtree_node *rbtree_next(const rbtree_node *n) {
  if (n->right) {
    n = n->right;
    while (n->left)
      n = n->left;
    return (rbtree_node *)n;
  }
  const rbtree_node *p;
  while ((p = n->parent) && n == p->right)
    n = p;
  return (rbtree_node *)p;
}

rbtree_node *rbtree_prev(const rbtree_node *n) {
  if (n->left) {
    n = n->left;
    while (n->right)
      n = n->right;
    return (rbtree_node *)n;
  }
  const rbtree_node *p;
  while ((p = n->parent) && n == p->left)
    n = p;
  return (rbtree_node *)p;
}

static int check_below(const rbtree_node *n, const rbtree_node *parent) {
  if (!n)
    return 1;
  if (n->parent != parent)
    return -1;
  if (n->red && (is_red(n->left) || is_red(n->right)))
    return -1;
  int l = check_below(n->left, n), r = check_below(n->right, n);
  if (l < 0 || r < 0 || l != r)
    return -1;
  return l + (n->red ? 0 : 1);
}

int rbtree_check(const rbtree *t) {
  if (t->root && t->root->red)
    return -1;
  const rbtree_node *first = t->root;
  if (first)
    while (first->left)
      first = first->left;
  if (first != t->first)
    return -1;
  return check_below(t->root, NULL);
}

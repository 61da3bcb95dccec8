/* Exhaustive exploration by re-running with choice prefixes
 * (docs/model.md, "Exploration"). */
#include "sim/explore.h"

#include <inttypes.h>
#include <string.h>

#include "sim/core/bigmem.h"

/* clang-format off */
G_DEFINE_QUARK(cfqsim-explore-error-quark, explore_error)
/* clang-format on */

/* One thing the policy was asked to decide (forced or not). */
typedef struct move {
  int actor;           /* actor id, or SIM_DELIVER */
  const char *step;    /* interned next-step name (hang_walk's moves only) */
  uint64_t ready_mask; /* ready actors when the move was made */
} move;

struct explorer;

/* The policy context of one re-run. */
typedef struct rerun {
  struct explorer *x;
  const explore_target *t;
  void *inst;
  int bound;
  const GArray *prefix; /* int: alternatives chosen at branching points */
  guint pos;
  GArray *moves;   /* move */
  guint seg_start; /* first move of the last prefix edge */
  int last;        /* actor that took the previous step, -1: none */
  int preemptions;
  /* the first branching point past the prefix */
  bool reached;
  bool walk; /* hang_walk's run: follow the memo's hangs */
  fingerprint_hash key;
  /* How the state found maps onto its orbit's canonical one: actor a is
   * slot_of[a] there; orbit: how many states the orbit holds. */
  unsigned slot_of[EXPLORE_MAX_ACTORS];
  uint64_t orbit;
  /* The other relabellings that reach the canonical key (slot_of rows):
   * with slot_of they give the swaps that leave the state as it is. */
  GArray *ties; /* sym_row */
  /* The alternatives at the branching point reached: each one's index
   * into ready or SIM_DELIVER, its actor or SIM_DELIVER, and whether
   * taking it is a preemption (arrays: set at every stop). */
  guint n_alts;
  int alts[EXPLORE_MAX_ACTORS + 1];
  int alt_actor[EXPLORE_MAX_ACTORS + 1];
  bool alt_preempt[EXPLORE_MAX_ACTORS + 1];
  /* The engine still takes alternative 0 as it stops at a new branching
   * point, so the stopped instance goes on as the first child's run
   * instead of being re-run from the start. */
  move first;
} rerun;

/* The shortest hanging suffix below an edge or a state, by its cost and
 * ends only: the schedule itself is rebuilt at the end by walking the
 * memo from the start (hang_walk). */
typedef struct hang_sum {
  bool any;
  uint32_t steps, tildes;
  int first; /* the first actor to step in it, -1: none */
  int alt;   /* the move it starts with: an actor or SIM_DELIVER */
} hang_sum;

typedef struct stats {
  explore_count paths, completed, hung, tl;
  hang_sum h;
} stats;

/* A stored state, 32 bytes: its key, its schedule and hang counts in 48
 * bits each (completed = schedules - hung; a hang below exactly when some
 * schedule hangs), and its hang's cost and ends in the canonical state's
 * actor ids.  States whose stats do not fit (counts of 2^48 or more,
 * time-limited or cut schedules, hangs of more than 255 steps or `~`)
 * keep them in the `wide` side table instead: the few near the root. */
typedef struct node {
  uint32_t key[4];
  uint32_t paths_lo, hung_lo;
  uint16_t paths_hi, hung_hi;
  uint8_t hang_steps, hang_tildes;
  uint8_t hang_alt : 7;   /* canonical actor, NODE_NONE: delivery */
  uint8_t done : 1;       /* expanded */
  uint8_t hang_first : 7; /* canonical actor, NODE_NONE: none */
  uint8_t wide : 1;       /* the stats are in memo.wide */
} node;
G_STATIC_ASSERT(sizeof(node) == 32);
G_STATIC_ASSERT(EXPLORE_MAX_ACTORS < 0x7f);
#define NODE_NONE 0x7f

/* Open addressing on the 128-bit key, node indices in the slots; nodes
 * live in fixed chunks of 2 MiB.  A slot's low `bits` bits hold its node
 * index + 1 (below cap = 2^bits), the others bits of the key: a probe
 * past another key's slot mostly ends there, without a cache miss on
 * that key's node. */
#define NODE_CHUNK 65536
typedef struct memo {
  uint32_t *idx; /* node index + 1 | key tag << bits, 0: empty */
  size_t cap, len;
  unsigned bits;     /* cap == 2^bits */
  GPtrArray *chunks; /* node[NODE_CHUNK] */
  GHashTable *wide;  /* node index -> stats * (canonical ids) */
} memo;

/* A relabelling of the actors (slot of each actor, or actor of each). */
typedef struct sym_row {
  uint8_t to[EXPLORE_MAX_ACTORS];
} sym_row;

/* One class of interchangeable actors: slots[] are its actor ids in
 * increasing order. */
typedef struct sym_class {
  unsigned n;
  unsigned slots[EXPLORE_MAX_ACTORS];
} sym_class;

/* What expand() keeps of a state while its children run, per depth and
 * kept from state to state (room for `cap` alternatives). */
typedef struct frame {
  guint cap;
  int *alts, *actor;
  bool *pre;
  stats *done;
  GArray *swaps; /* sym_row */
} frame;

/* What the workers of one search share (docs/model.md, "Workers"): the
 * memo, the counts, and how the search ends, under `lock`. */
typedef struct search {
  GMutex lock;
  memo memo;
  explore_result *res;
  GPtrArray *names; /* interned actor names by id, from the first run */
  /* set once: the workers unwind at their next run */
  gint stop;
  bool sym_broken; /* a run told swapped regions apart */
  GError *err;     /* the first worker's failure */
  bool finished;   /* a worker has the root's stats */
  stats root;
} search;

/* For the lookups and stores of every run: the lock is held for a few
 * hundred nanoseconds, and a short spin spares most sleeps in the kernel
 * (which were a tenth of two workers' time). */
static void search_lock(search *s) {
  for (int i = 0; i < 200; i++) {
    if (g_mutex_trylock(&s->lock))
      return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  g_mutex_lock(&s->lock);
}

/* One worker: a depth-first search of its own over the shared memo. */
typedef struct explorer {
  const explore_target *t;
  const explore_options *o;
  search *s;
  guint worker; /* 0..jobs-1: the order it tries alternatives in */
  fingerprint *fp;
  GByteArray *best; /* state_key's scratch */
  /* symmetry reduction */
  bool sym_on;
  guint n_classes;
  sym_class *classes;
  uint64_t group_order; /* product of the class sizes' factorials */
  GArray *path;         /* uint32: nodes being expanded, by depth */
  GArray *prefix;
  void *spare; /* an instance done with, to reset (target->reset) */
  struct rerun *spare_rerun; /* one done with, its arrays kept */
  GError *err;
  uint64_t steps;      /* since the last progress call within a run */
  stats last_expanded; /* expand()'s result */
  GPtrArray *frames;   /* frame *, by depth */
  bool saturated;      /* a count overflowed */
  uint64_t runs;       /* not yet added to the search's (under its lock) */
} explorer;

const char *explore_count_str(explore_count v, char *buf) {
  char tmp[40];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return buf;
}

static explore_count sat_add(explorer *x, explore_count a, explore_count b) {
  if (a > EXPLORE_COUNT_MAX - b) {
    x->saturated = true;
    return EXPLORE_COUNT_MAX;
  }
  return a + b;
}

/* ---- the memo ---- */

static node *memo_node(const memo *m, uint32_t i) {
  return &(
      (node *)g_ptr_array_index(m->chunks, i / NODE_CHUNK))[i % NODE_CHUNK];
}

static bool node_has_key(const node *n, fingerprint_hash k) {
  return memcmp(n->key, &k, sizeof n->key) == 0;
}

/* The slot bits that are not the node's: the key's tag, 0 when the
 * index takes them all. */
static uint32_t memo_tag(const memo *m, fingerprint_hash k) {
  return m->bits >= 32 ? 0 : (uint32_t)(k.hi >> m->bits) << m->bits;
}

static uint32_t slot_node(const memo *m, uint32_t slot) {
  return (m->bits >= 32 ? slot : slot & ((UINT32_C(1) << m->bits) - 1)) - 1;
}

static size_t memo_slot(const memo *m, fingerprint_hash k) {
  size_t mask = m->cap - 1, i = (size_t)k.lo & mask;
  uint32_t tag = memo_tag(m, k), tmask = ~(uint32_t)mask;
  for (uint32_t v; (v = m->idx[i]); i = (i + 1) & mask)
    if ((v & tmask) == tag && node_has_key(memo_node(m, slot_node(m, v)), k))
      break;
  return i;
}

/* The node index of a key, or -1. */
static int64_t memo_find(const memo *m, fingerprint_hash k) {
  if (!m->cap)
    return -1;
  size_t i = memo_slot(m, k);
  return m->idx[i] ? (int64_t)slot_node(m, m->idx[i]) : -1;
}

static void memo_grow(memo *m) {
  uint32_t *old = m->idx;
  size_t old_cap = m->cap;
  memo was = *m;
  m->cap = old_cap ? 2 * old_cap : 1024;
  m->bits = (unsigned)g_bit_nth_msf(m->cap, -1);
  m->idx = bigmem_alloc0(m->cap * sizeof(uint32_t));
  for (size_t i = 0; i < old_cap; i++)
    if (old[i]) {
      uint32_t n = slot_node(&was, old[i]);
      fingerprint_hash k;
      memcpy(&k, memo_node(m, n)->key, sizeof k);
      m->idx[memo_slot(m, k)] = (n + 1) | memo_tag(m, k);
    }
  bigmem_free(old, old_cap * sizeof(uint32_t));
}

/* A fresh node (not done) for a key not in the memo. */
static uint32_t memo_add(memo *m, fingerprint_hash k) {
  /* up to 4/5 full: 4 to 10 bytes of slots per state */
  if (5 * (m->len + 1) > 4 * m->cap)
    memo_grow(m);
  uint32_t n = (uint32_t)m->len++;
  if (n % NODE_CHUNK == 0)
    g_ptr_array_add(m->chunks, bigmem_alloc0(NODE_CHUNK * sizeof(node)));
  memcpy(memo_node(m, n)->key, &k, sizeof k);
  m->idx[memo_slot(m, k)] = (n + 1) | memo_tag(m, k);
  return n;
}

static void chunk_free(void *chunk) {
  bigmem_free(chunk, NODE_CHUNK * sizeof(node));
}

static void memo_init(memo *m) {
  *m = (memo){0};
  m->chunks = g_ptr_array_new_with_free_func(chunk_free);
  m->wide = g_hash_table_new_full(NULL, NULL, NULL, g_free);
}

static void memo_clear(memo *m) {
  g_ptr_array_free(m->chunks, TRUE);
  g_hash_table_destroy(m->wide);
  bigmem_free(m->idx, m->cap * sizeof(uint32_t));
  *m = (memo){0};
}

static uint64_t memo_bytes(const memo *m) {
  return m->len * sizeof(node) + m->cap * sizeof(uint32_t) +
         g_hash_table_size(m->wide) * (sizeof(stats) + 4 * sizeof(void *));
}

/* Store a state's stats (actor ids already canonical). */
static void node_put(memo *m, uint32_t i, const stats *s) {
  node *n = memo_node(m, i);
  explore_count max48 = ((explore_count)1 << 48) - 1;
  if (s->paths > max48 || s->tl || s->completed + s->hung != s->paths ||
      (s->hung != 0) != s->h.any ||
      (s->h.any && (s->h.steps > UINT8_MAX || s->h.tildes > UINT8_MAX))) {
    n->wide = 1;
    g_hash_table_insert(m->wide, GUINT_TO_POINTER(i), g_memdup2(s, sizeof *s));
    return;
  }
  n->paths_lo = (uint32_t)s->paths;
  n->paths_hi = (uint16_t)(s->paths >> 32);
  n->hung_lo = (uint32_t)s->hung;
  n->hung_hi = (uint16_t)(s->hung >> 32);
  if (s->h.any) {
    n->hang_steps = (uint8_t)s->h.steps;
    n->hang_tildes = (uint8_t)s->h.tildes;
    n->hang_alt = s->h.alt == SIM_DELIVER ? NODE_NONE : (uint8_t)s->h.alt;
    n->hang_first = s->h.first < 0 ? NODE_NONE : (uint8_t)s->h.first;
  }
}

/* A state's stats (canonical actor ids). */
static stats node_get(const memo *m, uint32_t i) {
  const node *n = memo_node(m, i);
  if (n->wide)
    return *(const stats *)g_hash_table_lookup(m->wide, GUINT_TO_POINTER(i));
  stats s = {.paths = (explore_count)n->paths_hi << 32 | n->paths_lo,
             .hung = (explore_count)n->hung_hi << 32 | n->hung_lo};
  s.completed = s.paths - s.hung;
  if (s.hung)
    s.h =
        (hang_sum){.any = true,
                   .steps = n->hang_steps,
                   .tildes = n->hang_tildes,
                   .alt = n->hang_alt == NODE_NONE ? SIM_DELIVER : n->hang_alt,
                   .first = n->hang_first == NODE_NONE ? -1 : n->hang_first};
  return s;
}

static uint64_t ready_mask(const sim_choice *c) {
  uint64_t m = 0;
  for (guint i = 0; i < c->n_ready; i++)
    m |= UINT64_C(1) << sim_actor_id(c->ready[i]);
  return m;
}

static void record(rerun *r, const sim_choice *c, int k) {
  /* A replay's moves before the edge it follows are never looked at (but
   * for the walk's, which are the schedule). */
  if (r->pos < r->prefix->len && !r->walk)
    return;
  move m = {.ready_mask = ready_mask(c)};
  if (k == SIM_DELIVER) {
    m.actor = SIM_DELIVER;
  } else {
    m.actor = sim_actor_id(c->ready[k]);
    /* Only the walk's moves are printed (interning costs a lookup). */
    if (r->walk)
      m.step = g_intern_string(sim_actor_next_step(c->ready[k]));
  }
  g_array_append_val(r->moves, m);
}

/* Only counted under a bound (nothing else looks at them). */
static bool is_preemption(const rerun *r, const sim_choice *c, int k) {
  if (r->bound < 0 || k == SIM_DELIVER || r->last < 0 ||
      sim_actor_id(c->ready[k]) == r->last)
    return false;
  return (ready_mask(c) >> r->last) & 1;
}

static void took(rerun *r, const sim_choice *c, int k) {
  if (k != SIM_DELIVER)
    r->last = sim_actor_id(c->ready[k]);
}

/* ---- symmetry reduction (docs/model.md, "Symmetry reduction") ---- */

/* Feed r's state relabelled by m (NULL: as it is) into x->fp. */
static void feed(explorer *x, rerun *r, const fingerprint_map *m,
                 const unsigned *slot_of) {
  fingerprint_reset(x->fp);
  fingerprint_set_map(x->fp, m);
  x->t->fingerprint(r->inst, x->fp);
  if (r->bound >= 0) {
    /* Under a bound the future also depends on the budget left. */
    int64_t extra[2] = {r->last < 0 ? -1 : (int64_t)slot_of[r->last],
                        r->preemptions};
    fingerprint_bytes(x->fp, extra, sizeof extra);
  }
}

static fingerprint_hash key_of(explorer *x, rerun *r, const fingerprint_map *m,
                               const unsigned *slot_of) {
  feed(x, r, m, slot_of);
  return fingerprint_hash128(x->fp);
}

/* What an actor shows of itself without the rest of the state: only a
 * relabelling that keeps these in slot order can reach the least key. */
static int actor_cmp(sim_engine *e, unsigned a, unsigned b) {
  const sim_actor *x = sim_actor_nth(e, a), *y = sim_actor_nth(e, b);
  sim_actor_state sx = sim_actor_get_state(x), sy = sim_actor_get_state(y);
  if (sx != sy)
    return sx < sy ? -1 : 1;
  if (sx == SIM_ACTOR_DONE)
    return 0;
  int d = g_strcmp0(sim_actor_next_step(x), sim_actor_next_step(y));
  if (d || sx != SIM_ACTOR_BLOCKED)
    return d;
  return g_strcmp0(sim_actor_waitq(x), sim_actor_waitq(y));
}

typedef struct canon {
  explorer *x;
  rerun *r;
  guint npos;
  unsigned cand[EXPLORE_MAX_ACTORS];     /* actor put in each position */
  unsigned pos_slot[EXPLORE_MAX_ACTORS]; /* the slot each position fills */
  guint ngroups, gstart[EXPLORE_MAX_ACTORS], glen[EXPLORE_MAX_ACTORS];
  unsigned slot_of[EXPLORE_MAX_ACTORS], actor_at[EXPLORE_MAX_ACTORS];
  fingerprint_map map;
  bool have;
  GByteArray *best; /* the least buffer so far */
  uint64_t ties;    /* relabellings reaching the best key: the stabiliser */
} canon;

static void canon_eval(canon *c) {
  for (guint p = 0; p < c->npos; p++) {
    c->slot_of[c->cand[p]] = c->pos_slot[p];
    c->actor_at[c->pos_slot[p]] = c->cand[p];
  }
  /* The least buffer, not the least hash: comparing stops at the first
   * difference, and only the winner is hashed. */
  feed(c->x, c->r, &c->map, c->slot_of);
  size_t len;
  const guint8 *d = fingerprint_data(c->x->fp, &len);
  int cmp = !c->have              ? -1
            : len != c->best->len ? (len < c->best->len ? -1 : 1)
                                  : memcmp(d, c->best->data, len);
  if (cmp < 0) {
    c->have = true;
    g_byte_array_set_size(c->best, 0);
    g_byte_array_append(c->best, d, (guint)len);
    c->ties = 1;
    memcpy(c->r->slot_of, c->slot_of, sizeof c->slot_of);
    g_array_set_size(c->r->ties, 0);
  } else if (cmp == 0) {
    c->ties++;
    sym_row row;
    for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
      row.to[a] = (uint8_t)c->slot_of[a];
    g_array_append_val(c->r->ties, row);
  }
}

/* Every order of the tied actors of group g from its k-th position on. */
static void canon_perm(canon *c, guint g, guint k) {
  if (g == c->ngroups) {
    canon_eval(c);
    return;
  }
  if (k + 1 >= c->glen[g]) {
    canon_perm(c, g + 1, 0);
    return;
  }
  unsigned *v = c->cand + c->gstart[g];
  for (guint i = k; i < c->glen[g]; i++) {
    unsigned t = v[k];
    v[k] = v[i];
    v[i] = t;
    canon_perm(c, g, k + 1);
    v[i] = v[k];
    v[k] = t;
  }
}

/* r->key, r->slot_of and r->orbit of the state r stopped in. */
static void state_key(explorer *x, rerun *r) {
  sim_engine *e = x->t->engine(r->inst);
  unsigned n = sim_n_actors(e);
  for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
    r->slot_of[a] = a;
  r->orbit = 1;
  g_array_set_size(r->ties, 0);
  if (!x->sym_on) {
    r->key = key_of(x, r, NULL, r->slot_of);
    return;
  }
  const explore_symmetry *sym = x->t->sym;
  canon c = {.x = x, .r = r, .best = x->best};
  for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
    c.slot_of[a] = c.actor_at[a] = a;
  c.map = (fingerprint_map){.n = MIN(n, sym->n),
                            .slot_of = c.slot_of,
                            .actor_at = c.actor_at,
                            .pid = sym->pid,
                            .lo = sym->lo,
                            .hi = sym->hi};
  for (guint k = 0; k < x->n_classes; k++) {
    const sym_class *cl = &x->classes[k];
    guint base = c.npos;
    /* insertion sort by what each actor shows, ties by id */
    for (guint i = 0; i < cl->n; i++) {
      unsigned a = cl->slots[i];
      guint j = base + i;
      while (j > base && actor_cmp(e, c.cand[j - 1], a) > 0) {
        c.cand[j] = c.cand[j - 1];
        j--;
      }
      c.cand[j] = a;
      c.pos_slot[base + i] = cl->slots[i];
    }
    c.npos += cl->n;
    for (guint i = base; i < c.npos;) {
      guint j = i + 1;
      while (j < c.npos && actor_cmp(e, c.cand[i], c.cand[j]) == 0)
        j++;
      c.gstart[c.ngroups] = i;
      c.glen[c.ngroups++] = j - i;
      i = j;
    }
  }
  canon_perm(&c, 0, 0);
  r->key = fingerprint_hash_bytes(c.best->data, c.best->len);
  r->orbit = x->group_order / c.ties;
}

/* A hang summary between a state's actor ids and its canonical state's. */
static hang_sum hang_map(hang_sum h, const unsigned *to) {
  if (h.first >= 0)
    h.first = (int)to[h.first];
  if (h.alt != SIM_DELIVER)
    h.alt = (int)to[h.alt];
  return h;
}

static void invert(const unsigned *slot_of, unsigned *actor_at) {
  for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
    actor_at[slot_of[a]] = a;
}

/* hang_walk's choice at a branching point: the alternative the state's
 * stored hang starts with, in our actor ids. */
static int choose_walk(rerun *r, const sim_choice *c) {
  state_key(r->x, r);
  /* alone by now: no lock */
  const memo *m = &r->x->s->memo;
  int64_t i = memo_find(m, r->key);
  g_assert(i >= 0); /* every state on a hang's path was expanded */
  unsigned actor_at[EXPLORE_MAX_ACTORS];
  invert(r->slot_of, actor_at);
  hang_sum h = hang_map(node_get(m, (uint32_t)i).h, actor_at);
  g_assert(h.any);
  int k = SIM_DELIVER;
  for (guint j = 0; h.alt != SIM_DELIVER && j < c->n_ready; j++)
    if (sim_actor_id(c->ready[j]) == h.alt)
      k = (int)j;
  g_assert(h.alt == SIM_DELIVER || k != SIM_DELIVER);
  if (is_preemption(r, c, k))
    r->preemptions++;
  record(r, c, k);
  took(r, c, k);
  return k;
}

static int choose_explore(void *ctx, sim_engine *e, const sim_choice *c,
                          GError **err) {
  (void)err;
  rerun *r = ctx;
  g_assert(sim_n_actors(e) <= EXPLORE_MAX_ACTORS); /* checked in rerun_drive */
  guint n_alt = c->n_ready + (c->can_deliver ? 1 : 0);
  if (n_alt == 1) {
    record(r, c, 0);
    took(r, c, 0);
    return 0;
  }
  if (r->walk)
    return choose_walk(r, c);
  if (r->pos < r->prefix->len) {
    int k = g_array_index(r->prefix, int, r->pos);
    if (++r->pos == r->prefix->len)
      r->seg_start = r->moves->len;
    if (is_preemption(r, c, k))
      r->preemptions++;
    record(r, c, k);
    took(r, c, k);
    return k;
  }
  /* A new branching point: note it and stop (the engine still takes
   * alternative 0; see `first`). */
  state_key(r->x, r);
  for (guint i = 0; i < n_alt; i++) {
    int k = i < c->n_ready ? (int)i : SIM_DELIVER;
    bool p = is_preemption(r, c, k);
    int a = k == SIM_DELIVER ? SIM_DELIVER : sim_actor_id(c->ready[k]);
    r->alts[r->n_alts] = k;
    r->alt_preempt[r->n_alts] = p;
    r->alt_actor[r->n_alts++] = a;
  }
  r->first =
      (move){.actor = sim_actor_id(c->ready[0]), .ready_mask = ready_mask(c)};
  r->reached = true;
  sim_engine_stop(e);
  return 0;
}

static const sim_policy_ops explore_ops = {choose_explore};

/* An instance is done with: kept as the spare if the target resets. */
static void inst_release(explorer *x, void *inst) {
  if (x->t->reset && !x->spare)
    x->spare = inst;
  else
    x->t->destroy(inst);
}

/* A fresh instance: the spare reset, or a new one. */
static void *inst_get(explorer *x, rerun *r) {
  void *inst = g_steal_pointer(&x->spare);
  if (inst) {
    if (x->t->reset(inst, &explore_ops, r, &x->err))
      return inst;
    x->t->destroy(inst);
    if (x->err)
      return NULL;
  }
  return x->t->build(x->t->ctx, &explore_ops, r, &x->err);
}

static void rerun_destroy(rerun *r) {
  g_array_free(r->moves, TRUE);
  g_array_free(r->ties, TRUE);
  g_free(r);
}

/* Done with r: kept for the next run if there is none kept yet. */
static void rerun_free(explorer *x, rerun *r) {
  if (!r)
    return;
  if (r->inst)
    inst_release(x, r->inst);
  if (x->spare_rerun)
    rerun_destroy(r);
  else
    x->spare_rerun = r;
}

/* Only the first worker reports: the counts as they are now, but for
 * the other workers' latest runs. */
static void progress(explorer *x, sim_time now) {
  if (x->worker)
    return;
  g_mutex_lock(&x->s->lock);
  explore_result so_far = *x->s->res;
  g_mutex_unlock(&x->s->lock);
  so_far.runs += x->runs;
  explore_progress p = {.so_far = &so_far, .depth = x->prefix->len, .now = now};
  x->o->progress(x->o->progress_ctx, &p);
}

/* Deep replays and big workloads make single runs long. */
static void step_progress(void *ctx, sim_engine *e) {
  explorer *x = ctx;
  if (++x->steps >= (x->o->progress_steps ? x->o->progress_steps : 4096)) {
    x->steps = 0;
    progress(x, sim_now(e));
  }
}

/* Run r's instance to the next branching point (it stays alive, stopped)
 * or to its end (it is destroyed). */
static bool rerun_drive(explorer *x, rerun *r, sim_outcome *out) {
  search *s = x->s;
  if (g_atomic_int_get(&s->stop)) {
    inst_release(x, r->inst);
    r->inst = NULL;
    return false;
  }
  x->runs++;
  sim_engine *e = x->t->engine(r->inst);
  if (sim_n_actors(e) > EXPLORE_MAX_ACTORS) {
    g_set_error(&x->err, EXPLORE_ERROR, EXPLORE_ERROR_TOO_MANY_ACTORS,
                "explore follows at most %d processes, this workload has %u: "
                "use fewer (numjobs)",
                EXPLORE_MAX_ACTORS, sim_n_actors(e));
    inst_release(x, r->inst);
    r->inst = NULL;
    return false;
  }
  if (x->o->progress)
    sim_engine_set_step_hook(e, step_progress, x);
  *out = sim_engine_run(e, x->t->limit, &x->err);
  if (x->o->progress)
    progress(x, sim_now(e));
  if (x->sym_on && x->t->sym->moves_positions &&
      x->t->position_decisions(x->t->ctx, r->inst)) {
    /* The swapped regions could be told apart: start again unreduced. */
    g_mutex_lock(&s->lock);
    s->sym_broken = true;
    g_atomic_int_set(&s->stop, 1);
    g_mutex_unlock(&s->lock);
    inst_release(x, r->inst);
    r->inst = NULL;
    return false;
  }
  if (!g_atomic_pointer_get(&s->names)) {
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; i < sim_n_actors(e); i++)
      g_ptr_array_add(names, (gpointer)g_intern_string(
                                 sim_actor_name(sim_actor_nth(e, i))));
    g_mutex_lock(&s->lock);
    if (!s->names)
      g_atomic_pointer_set(&s->names, g_steal_pointer(&names));
    g_mutex_unlock(&s->lock);
    if (names)
      g_ptr_array_free(names, TRUE);
  }
  if (*out != SIM_STOPPED) {
    if (x->t->on_end && *out != SIM_ERROR)
      x->t->on_end(x->t->ctx, r->inst, *out);
    inst_release(x, r->inst);
    r->inst = NULL;
  }
  if (*out == SIM_ERROR)
    return false;
  g_assert(r->pos == r->prefix->len); /* the replay is deterministic */
  g_assert(r->reached == (*out == SIM_STOPPED));
  return true;
}

/* A fresh simulation replaying the current prefix. */
static rerun *rerun_start(explorer *x) {
  rerun *r = g_steal_pointer(&x->spare_rerun);
  GArray *moves = r ? r->moves : NULL, *ties = r ? r->ties : NULL;
  if (!r)
    r = g_new0(rerun, 1);
  /* field by field: the arrays are set at each stop (n_alts, slot_of
   * and the key by state_key, first), not cleared per run */
  r->x = x;
  r->t = x->t;
  r->inst = NULL;
  r->bound = x->o->preemption_bound;
  r->prefix = x->prefix;
  r->pos = 0;
  r->seg_start = 0;
  r->last = -1;
  r->preemptions = 0;
  r->reached = false;
  r->walk = false;
  r->n_alts = 0;
  r->moves = moves ? moves : g_array_new(FALSE, FALSE, sizeof(move));
  r->ties = ties ? ties : g_array_new(FALSE, FALSE, sizeof(sym_row));
  g_array_set_size(r->moves, 0);
  g_array_set_size(r->ties, 0);
  r->inst = inst_get(x, r);
  return r;
}

/* Turn a run stopped at a branching point into its first child's run: it
 * has taken alternative 0, the last entry of the prefix.  The rerun object
 * stays the engine's policy context, so targets may wrap the policy. */
static void rerun_adopt_first(rerun *r) {
  if (r->alt_preempt[0])
    r->preemptions++;
  r->last = r->first.actor;
  g_array_set_size(r->moves, 0);
  g_array_append_val(r->moves, r->first);
  r->seg_start = 0;
  r->n_alts = 0;
  r->reached = false;
  r->pos = r->prefix->len;
}

static void stats_add(explorer *x, stats *acc, const stats *c) {
  acc->paths = sat_add(x, acc->paths, c->paths);
  acc->completed = sat_add(x, acc->completed, c->completed);
  acc->hung = sat_add(x, acc->hung, c->hung);
  acc->tl = sat_add(x, acc->tl, c->tl);
}

/* A delivery needs a `~` entry when the process stepping next was ready
 * (otherwise the script policy delivers by itself, see to_schedule);
 * `after`: the first actor to step after the moves, -1: none. */
static bool needs_tilde(const move *moves, guint n, guint i, int after) {
  int next = -1;
  for (guint j = i + 1; j < n && next < 0; j++)
    next = moves[j].actor;
  if (next < 0)
    next = after;
  return next < 0 || ((moves[i].ready_mask >> next) & 1);
}

/* The hang made of `n` moves followed by `rest` (none if !rest->any). */
static hang_sum hang_join(const move *moves, guint n, const hang_sum *rest) {
  int after = rest && rest->any ? rest->first : -1;
  hang_sum h = {.any = true, .first = after, .alt = n ? moves[0].actor : -1};
  if (rest && rest->any) {
    h.steps = rest->steps;
    h.tildes = rest->tildes;
  }
  for (guint i = n; i-- > 0;) {
    if (moves[i].actor != SIM_DELIVER) {
      h.steps++;
      h.first = moves[i].actor;
    } else {
      h.tildes += needs_tilde(moves, n, i, after);
    }
  }
  return h;
}

/* Shortest first: fewest process steps, then fewest `~` entries; ties go
 * to the first alternative in the canonical state's order (ready processes
 * by id, then the delivery), so that every state of an orbit keeps the
 * same hang, renamed (without symmetry: the first alternative tried). */
static bool hang_before(const hang_sum *a, const hang_sum *b,
                        const unsigned *slot_of) {
  uint64_t ca = (uint64_t)a->steps << 32 | a->tildes;
  uint64_t cb = (uint64_t)b->steps << 32 | b->tildes;
  if (ca != cb)
    return ca < cb;
  unsigned ra = a->alt == SIM_DELIVER ? EXPLORE_MAX_ACTORS : slot_of[a->alt];
  unsigned rb = b->alt == SIM_DELIVER ? EXPLORE_MAX_ACTORS : slot_of[b->alt];
  return ra < rb;
}

/* The frame of depth `depth`, with room for n alternatives (the
 * children's frames are deeper: it stays as it is while they run). */
static frame *frame_at(explorer *x, guint depth, guint n) {
  while (x->frames->len <= depth) {
    frame *f = g_new0(frame, 1);
    f->swaps = g_array_new(FALSE, FALSE, sizeof(sym_row));
    g_ptr_array_add(x->frames, f);
  }
  frame *f = g_ptr_array_index(x->frames, depth);
  if (f->cap < n) {
    f->cap = MAX(n, 2 * f->cap);
    f->alts = g_renew(int, f->alts, f->cap);
    f->actor = g_renew(int, f->actor, f->cap);
    f->pre = g_renew(bool, f->pre, f->cap);
    f->done = g_renew(stats, f->done, f->cap);
  }
  return f;
}

static void frame_free(void *p) {
  frame *f = p;
  g_free(f->alts);
  g_free(f->actor);
  g_free(f->pre);
  g_free(f->done);
  g_array_free(f->swaps, TRUE);
  g_free(f);
}

/* `n`: the state's node. */
static bool expand(explorer *x, rerun **rp, const unsigned *slot_of,
                   uint32_t n);

/* The alternative a worker tries t-th: the first always first (the run
 * that found the state goes on with it), then the others in id order,
 * or against it in every other worker, so that two workers start far
 * apart in the tree. */
static guint alt_at(const explorer *x, guint t, guint n) {
  return t == 0 || x->worker % 2 == 0 ? t : n - t;
}

static bool on_path(const explorer *x, uint32_t n) {
  for (guint i = 0; i < x->path->len; i++)
    if (g_array_index(x->path, uint32_t, i) == n)
      return true;
  return false;
}

/* Follow the edge given by x->prefix: continue `r` (a run stopped at the
 * parent's branching point, adopted here) or start a fresh run when r is
 * NULL.  The result's hang starts at the edge's first move.  False on
 * error. */
static bool edge(explorer *x, rerun *r, stats *out) {
  sim_outcome o;
  *out = (stats){0};
  bool ok;
  if (r) {
    rerun_adopt_first(r);
    ok = rerun_drive(x, r, &o);
  } else {
    r = rerun_start(x);
    ok = r->inst && rerun_drive(x, r, &o);
  }
  if (!ok) {
    rerun_free(x, r);
    return false;
  }
  /* This edge's own moves (few: on the stack unless many); r itself may
   * go on as the first child. */
  guint nseg = r->moves->len - r->seg_start;
  move seg_buf[32];
  move *seg = nseg <= G_N_ELEMENTS(seg_buf) ? seg_buf : g_new(move, nseg);
  if (nseg)
    memcpy(seg, &g_array_index(r->moves, move, r->seg_start),
           nseg * sizeof(move));
  if (o != SIM_STOPPED) {
    out->paths = 1;
    if (o == SIM_COMPLETED)
      out->completed = 1;
    else if (o == SIM_HANG)
      out->hung = 1;
    else
      out->tl = 1;
    if (o == SIM_HANG)
      out->h = hang_join(seg, nseg, NULL);
  } else {
    search *sh = x->s;
    /* expand() hands r on: keep how this state maps onto its canonical
     * one, to bring the node's hang back to our actor ids. */
    unsigned slot_of[EXPLORE_MAX_ACTORS];
    memcpy(slot_of, r->slot_of, sizeof slot_of);
    search_lock(sh);
    sh->res->runs += x->runs;
    x->runs = 0;
    int64_t at = memo_find(&sh->memo, r->key), found = at;
    bool done = found >= 0 && memo_node(&sh->memo, (uint32_t)found)->done;
    stats s = done ? node_get(&sh->memo, (uint32_t)found) : (stats){0};
    if (!x->o->prune && done)
      found = -1; /* plain: every path is walked, the memo only names hangs */
    /* Being expanded: on our own path a cycle, else by another worker,
     * which we do not wait for. */
    bool cycle = found >= 0 && !done && on_path(x, (uint32_t)found);
    bool cut = cycle || (found < 0 && x->o->max_states &&
                         sh->res->states >= x->o->max_states);
    if (cut) {
      /* A cycle is not expected (time or progress always moves): it counts
       * as unexplored rather than loop. */
      sh->res->cut_states++;
    } else if (found < 0) {
      sh->res->states += r->orbit;
      sh->res->canonical++;
      if (at < 0)
        at = memo_add(&sh->memo, r->key);
    }
    g_mutex_unlock(&sh->lock);
    if (cut) {
      out->paths = 1;
    } else {
      if (!done || found < 0) {
        ok = expand(x, &r, slot_of, (uint32_t)at);
        s = x->last_expanded;
      } else {
        if (s.h.any) {
          unsigned actor_at[EXPLORE_MAX_ACTORS];
          invert(slot_of, actor_at);
          s.h = hang_map(s.h, actor_at);
        }
      }
      if (ok) {
        *out = s;
        out->h = s.h.any ? hang_join(seg, nseg, &s.h) : (hang_sum){0};
      }
    }
  }
  if (seg != seg_buf)
    g_free(seg);
  rerun_free(x, r);
  return ok;
}

/* Expand the state r stopped in (r->key): every alternative; its stats, in
 * our actor ids, go to x->last_expanded, and (canonical) to the memo. */
static bool expand(explorer *x, rerun **rp, const unsigned *slot_of,
                   uint32_t n) {
  rerun *r = *rp;
  g_array_append_val(x->path, n);
  /* The first child may take r over: keep what this node needs. */
  guint n_alts = r->n_alts;
  /* room for one at least: the copies below never get NULL */
  frame *f = frame_at(x, x->prefix->len, MAX(n_alts, 1));
  memcpy(f->alts, r->alts, n_alts * sizeof(int));
  memcpy(f->pre, r->alt_preempt, n_alts * sizeof(bool));
  memcpy(f->actor, r->alt_actor, n_alts * sizeof(int));
  const int *alts = f->alts, *actor = f->actor;
  const bool *pre = f->pre;
  /* The swaps that leave this state as it is: tau(a) = actor_at[row(a)]. */
  GArray *swaps = f->swaps;
  g_array_set_size(swaps, 0);
  if (r->ties->len) {
    unsigned actor_at[EXPLORE_MAX_ACTORS];
    invert(slot_of, actor_at);
    for (guint k = 0; k < r->ties->len; k++) {
      const sym_row *row = &g_array_index(r->ties, sym_row, k);
      sym_row tau;
      for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
        tau.to[a] = (uint8_t)actor_at[row->to[a]];
      g_array_append_val(swaps, tau);
    }
  }
  stats *done = f->done;
  memset(done, 0, n_alts * sizeof *done);
  int preemptions = r->preemptions;
  stats acc = {0};
  bool ok = true;
  for (guint t = 0; t < n_alts && ok; t++) {
    guint i = alt_at(x, t, n_alts);
    /* A swap that keeps this state maps an earlier alternative's step onto
     * this one: its child is that child swapped, with the same counts. */
    int ai = actor[i];
    bool reused = false;
    for (guint u = 0; u < t && !reused && ai != SIM_DELIVER; u++) {
      guint j = alt_at(x, u, n_alts);
      int aj = actor[j];
      for (guint k = 0; k < swaps->len && !reused && aj != SIM_DELIVER; k++) {
        const sym_row *tau = &g_array_index(swaps, sym_row, k);
        if (tau->to[aj] != ai)
          continue;
        done[i] = done[j];
        unsigned to[EXPLORE_MAX_ACTORS];
        for (unsigned a = 0; a < EXPLORE_MAX_ACTORS; a++)
          to[a] = tau->to[a];
        done[i].h = hang_map(done[j].h, to);
        reused = true;
      }
    }
    if (reused) {
      stats_add(x, &acc, &done[i]);
      if (done[i].h.any &&
          (!acc.h.any || hang_before(&done[i].h, &acc.h, slot_of)))
        acc.h = done[i].h;
      continue;
    }
    if (pre[i] && preemptions >= x->o->preemption_bound &&
        x->o->preemption_bound >= 0) {
      g_mutex_lock(&x->s->lock);
      x->s->res->cut_preempt++;
      g_mutex_unlock(&x->s->lock);
      continue;
    }
    g_array_append_val(x->prefix, alts[i]);
    stats c;
    /* Alternative 0 goes on in the instance that found this state. */
    rerun *cont = i == 0 && r->inst ? g_steal_pointer(rp) : NULL;
    ok = edge(x, cont, &c);
    g_array_set_size(x->prefix, x->prefix->len - 1);
    if (!ok)
      break;
    done[i] = c;
    stats_add(x, &acc, &c);
    if (c.h.any && (!acc.h.any || hang_before(&c.h, &acc.h, slot_of)))
      acc.h = c.h;
  }
  if (ok) {
    /* Another worker may have stored it first: the same stats. */
    search_lock(x->s);
    if (!memo_node(&x->s->memo, n)->done) {
      stats canon = acc;
      canon.h = hang_map(acc.h, slot_of);
      node_put(&x->s->memo, n, &canon);
      memo_node(&x->s->memo, n)->done = 1;
    }
    g_mutex_unlock(&x->s->lock);
    x->last_expanded = acc;
  }
  g_array_set_size(x->path, x->path->len - 1);
  return ok;
}

/* The schedule notation of interleave.h.  A delivery is written only when
 * the script policy would not make it by itself: when the process named
 * next was ready at that point (otherwise the script delivers events until
 * that process is enabled). */
static GPtrArray *to_schedule(explorer *x, const GArray *moves) {
  GPtrArray *s = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < moves->len; i++) {
    const move *m = &g_array_index(moves, move, i);
    if (m->actor != SIM_DELIVER) {
      g_ptr_array_add(s, g_strdup_printf("%s@%s",
                                         (const char *)g_ptr_array_index(
                                             x->s->names, m->actor),
                                         m->step));
      continue;
    }
    if (needs_tilde((const move *)moves->data, moves->len, i, -1))
      g_ptr_array_add(s, g_strdup("~"));
  }
  return s;
}

/* The classes of the target's symmetry (at most 6 actors each, so that at
 * most 720 relabellings are tried per state); false if there are none. */
#define SYM_CLASS_MAX 6
static bool sym_setup(explorer *x) {
  const explore_symmetry *sym = x->t->sym;
  const explore_options *o = x->o;
  /* The counts of a bounded or cut search are those of the states it
   * expanded: keep them as they were. */
  if (!sym || !o->symmetry || !o->prune || o->max_states ||
      o->preemption_bound >= 0 ||
      (sym->moves_positions && !x->t->position_decisions))
    return false;
  x->classes = g_new0(sym_class, MAX(sym->n, 1));
  x->group_order = 1;
  bool done[EXPLORE_MAX_ACTORS] = {false};
  for (unsigned a = 0; a < sym->n; a++) {
    if (done[a] || sym->cls[a] < 0)
      continue;
    sym_class *cl = &x->classes[x->n_classes];
    for (unsigned b = a; b < sym->n; b++)
      if (!done[b] && sym->cls[b] == sym->cls[a] && cl->n < SYM_CLASS_MAX) {
        done[b] = true;
        cl->slots[cl->n++] = b;
      }
    if (cl->n < 2) {
      cl->n = 0;
      continue;
    }
    for (unsigned k = 2; k <= cl->n; k++)
      x->group_order *= k;
    x->n_classes++;
  }
  return x->n_classes > 0;
}

/* The shortest hang, rebuilt by one run from the start that takes, at
 * every branching point, the alternative its state's stored hang starts
 * with. */
static bool hang_walk(explorer *x) {
  g_array_set_size(x->prefix, 0);
  rerun *r = rerun_start(x);
  r->walk = true;
  bool ok = r->inst != NULL;
  if (ok) {
    sim_outcome o = sim_engine_run(x->t->engine(r->inst), x->t->limit, &x->err);
    ok = o != SIM_ERROR;
    g_assert(!ok || o == SIM_HANG);
    if (ok)
      x->s->res->hang_schedule = to_schedule(x, r->moves);
  }
  rerun_free(x, r);
  return ok;
}

static void worker_init(explorer *x, search *s, const explore_target *t,
                        const explore_options *o, guint worker) {
  *x = (explorer){.t = t, .o = o, .s = s, .worker = worker};
  x->fp = fingerprint_new();
  x->best = g_byte_array_new();
  x->prefix = g_array_new(FALSE, FALSE, sizeof(int));
  x->path = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  x->frames = g_ptr_array_new_with_free_func(frame_free);
}

static void worker_clear(explorer *x) {
  if (x->spare)
    x->t->destroy(x->spare);
  if (x->spare_rerun)
    rerun_destroy(x->spare_rerun);
  fingerprint_free(x->fp);
  g_byte_array_free(x->best, TRUE);
  g_free(x->classes);
  g_array_free(x->prefix, TRUE);
  g_array_free(x->path, TRUE);
  g_ptr_array_free(x->frames, TRUE);
  g_clear_error(&x->err);
}

/* One worker's depth-first search from the root.  The first to finish
 * has the root's stats, every state below it done: the others stop. */
static gpointer worker_run(gpointer data) {
  explorer *x = data;
  search *s = x->s;
  g_array_set_size(x->prefix, 0);
  g_array_set_size(x->path, 0);
  g_clear_pointer(&x->classes, g_free);
  x->n_classes = 0;
  x->saturated = false;
  x->sym_on = sym_setup(x);
  stats root;
  bool ok = edge(x, NULL, &root);
  g_mutex_lock(&s->lock);
  s->res->runs += x->runs;
  x->runs = 0;
  if (ok && !s->finished) {
    s->finished = true;
    s->root = root;
  }
  if (!ok && x->err && !s->err)
    s->err = g_steal_pointer(&x->err);
  g_atomic_int_set(&s->stop, 1);
  g_mutex_unlock(&s->lock);
  return NULL;
}

/* The search by `n` workers, the first in this thread; the root's stats,
 * unless it failed or the symmetry broke. */
static bool search_pass(search *s, explorer *w, guint n, stats *root) {
  s->stop = 0;
  s->finished = false;
  GThread **th = g_new0(GThread *, n);
  for (guint i = 1; i < n; i++)
    th[i] = g_thread_new("explore", worker_run, &w[i]);
  worker_run(&w[0]);
  for (guint i = 1; i < n; i++)
    g_thread_join(th[i]);
  g_free(th);
  *root = s->root;
  return s->finished;
}

gboolean explore_run(const explore_target *t, const explore_options *o,
                     explore_result *res, GError **err) {
  static const explore_options defaults = EXPLORE_OPTIONS_INIT;
  if (!o)
    o = &defaults;
  *res = (explore_result){0};
  /* Workers only where the counts cannot depend on who got where first. */
  guint n = o->jobs > 1 && o->prune && !o->max_states && o->preemption_bound < 0
                ? o->jobs
                : 1;
  search s = {.res = res};
  g_mutex_init(&s.lock);
  memo_init(&s.memo);
  explorer *w = g_new(explorer, n);
  for (guint i = 0; i < n; i++)
    worker_init(&w[i], &s, t, o, i);
  if (o->progress)
    progress(&w[0], 0);
  stats root;
  bool ok = search_pass(&s, w, n, &root);
  explore_options plain = *o;
  if (s.sym_broken && !s.err) {
    /* Everything again, without the reduction. */
    plain.symmetry = false;
    memo_clear(&s.memo);
    memo_init(&s.memo);
    s.sym_broken = false;
    for (guint i = 0; i < n; i++)
      w[i].o = &plain;
    *res = (explore_result){.symmetry_dropped = true};
    ok = search_pass(&s, w, n, &root);
  }
  res->workers = n;
  for (guint i = 0; i < n; i++)
    res->saturated |= w[i].saturated;
  if (ok) {
    res->memo_bytes = memo_bytes(&s.memo);
    res->schedules = root.paths;
    res->completed = root.completed;
    res->hung = root.hung;
    res->time_limited = root.tl;
    if (root.h.any && !hang_walk(&w[0])) {
      ok = false;
      s.err = g_steal_pointer(&w[0].err);
    }
  }
  if (!ok)
    g_propagate_error(err, g_steal_pointer(&s.err));
  g_clear_error(&s.err); /* a worker's, after another had finished */
  for (guint i = 0; i < n; i++)
    worker_clear(&w[i]);
  g_free(w);
  memo_clear(&s.memo);
  if (s.names)
    g_ptr_array_free(s.names, TRUE);
  g_mutex_clear(&s.lock);
  return ok;
}

void explore_result_clear(explore_result *res) {
  if (res->hang_schedule)
    g_ptr_array_free(res->hang_schedule, TRUE);
  res->hang_schedule = NULL;
}

bool explore_complete(const explore_result *res) {
  return res->cut_states == 0 && res->cut_preempt == 0;
}

char *explore_cut_str(const explore_result *res, const explore_options *o) {
  if (explore_complete(res))
    return NULL;
  GString *s = g_string_new(NULL);
  if (res->cut_states && o->max_states)
    g_string_append_printf(s, "--max-states %" PRIu64, o->max_states);
  else if (res->cut_states) /* only a state repeating on its own path */
    g_string_append(s, "a state that repeated on its own path");
  if (res->cut_states && res->cut_preempt)
    g_string_append(s, " and ");
  if (res->cut_preempt)
    g_string_append_printf(s, "--preemption-bound %d", o->preemption_bound);
  return g_string_free(s, FALSE);
}

char *explore_format_schedule(const GPtrArray *sched) {
  GString *s = g_string_new("[");
  for (guint i = 0; sched && i < sched->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "",
                           (const char *)g_ptr_array_index(sched, i));
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

static void count_line(GString *s, const char *what, explore_count v,
                       bool sat) {
  char buf[40];
  g_string_append_printf(s, "  %-16s %s%s\n", what, explore_count_str(v, buf),
                         sat && v == EXPLORE_COUNT_MAX ? " (saturated)" : "");
}

char *explore_format_report(const explore_result *res,
                            const explore_options *o) {
  GString *s = g_string_new(NULL);
  bool sat = res->saturated;
  count_line(s, "schedules:", res->schedules, sat);
  count_line(s, o->prune ? "distinct states:" : "states visited:", res->states,
             sat);
  count_line(s, "completed:", res->completed, sat);
  count_line(s, "hung:", res->hung, sat);
  count_line(s, "time-limited:", res->time_limited, sat);
  if (res->cut_states)
    g_string_append_printf(s,
                           "  cut:             %" PRIu64
                           " states not expanded (--max-states %" PRIu64
                           "): the counts above are a lower bound\n",
                           res->cut_states, o->max_states);
  if (res->cut_preempt)
    g_string_append_printf(s,
                           "  cut:             %" PRIu64
                           " alternatives beyond the preemption bound %d\n",
                           res->cut_preempt, o->preemption_bound);
  /* Unexplored branches may hold a shorter hang, or the only one. */
  bool complete = explore_complete(res);
  if (res->hang_schedule) {
    char *sched = explore_format_schedule(res->hang_schedule);
    g_string_append_printf(
        s, "  shortest hang:   %u steps%s\n    %s\n", res->hang_schedule->len,
        complete ? "" : " (of those explored; the search was cut)", sched);
    g_free(sched);
  } else {
    g_string_append_printf(s, "  shortest hang:   none%s\n",
                           complete ? "" : " found (the search was cut)");
  }
  return g_string_free(s, FALSE);
}

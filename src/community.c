/*
 * distill — community.c: the structure of the similarity graph S.
 *
 * S is symmetrised (an undirected edge {i,j} weighs max(s_ij, s_ji)) and
 * handed to igraph for communities (Leiden with the modularity objective,
 * or Louvain) and modularity. Weakly connected components are counted
 * with a union-find (items without any S edge excluded, as for the graph
 * stage) and transitivity with a parallel triangle count, on a thread
 * beside igraph's. abstract.cluster = none makes every item its own
 * singleton community, so community profiles degenerate to item profiles.
 * Community ids are renumbered by first appearance in item order.
 */
#include <igraph.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "abstract.h"

/* Leiden passes. Each pass costs about as much as the rest of the stage;
 * a second one moved modularity by 0.002 on ML-100K (0.4032 -> 0.4051)
 * and 0.001 on Gowalla (0.7485 -> 0.7496) for 1.5x the time, so one. */
#define LEIDEN_ITERATIONS 1

/* The threads this may use: OpenMP's, else the cores online (for the
 * thread beside igraph in community_detect). */
static int thread_max(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 1 ? (int)n : 1;
#endif
}

/* The symmetrised S as igraph input. */
struct sym {
	igraph_vector_int_t edges;   /* 2 per undirected edge */
	igraph_vector_t w;
	double *strength;            /* per item */
	double total;                /* Σ strength = 2m */
};

/*
 * Row i of the symmetrised S: the union of row i of S and of its
 * transpose, j > i only, each edge weighing the larger of its positive
 * weights. C is S with each row by ascending column, T its transpose:
 * a merge of two sorted rows, so the edges come out sorted by (i, j).
 * Writes them when E is not NULL; returns their count.
 */
static uint64_t sym_row(const struct csr *C, const struct csr *T, uint32_t i,
    igraph_integer_t *E, igraph_real_t *W)
{
	uint64_t a = C->ptr[i], ae = C->ptr[i + 1];
	uint64_t b = T->ptr[i], be = T->ptr[i + 1], m = 0;
	while (a < ae && C->idx[a] <= i)
		a++;
	while (b < be && T->idx[b] <= i)
		b++;
	while (a < ae || b < be) {
		uint32_t j;
		float w = 0;
		bool fa = b == be || (a < ae && C->idx[a] <= T->idx[b]);
		bool fb = a == ae || (b < be && T->idx[b] <= C->idx[a]);
		if (fa) {
			j = C->idx[a];
			if (C->val[a] > w)
				w = C->val[a];
			a++;
		}
		if (fb) {
			j = T->idx[b];
			if (T->val[b] > w)
				w = T->val[b];
			b++;
		}
		if (!(w > 0))
			continue;
		if (E) {
			E[2 * m] = i;
			E[2 * m + 1] = j;
			W[m] = w;
		}
		m++;
	}
	return m;
}

/*
 * The symmetrised S as igraph's edge list, sorted by (i, j) with i < j:
 * sym_graph builds igraph's indices from that order. The edge list is
 * igraph's (a vector of its own): when it cannot be had, ERR_LIMIT with
 * the size asked for, and nothing is left allocated.
 */
static int sym_build(const struct csr *S, const uint32_t *pos, struct sym *y,
    struct err *err)
{
	uint32_t n = S->nrows;
	memset(y, 0, sizeof *y);
	/* the engine's blocks first: when one fails and the memory scope
	 * unwinds, no igraph vector exists yet */
	struct csr T, C;
	csr_init(&T);
	csr_init(&C);
	if (pos) {
		/* item i is vertex pos[i]: S with rows and columns renamed */
		struct csr R;
		csr_init(&R);
		csr_alloc(&R, n, n, S->nnz);
		for (uint32_t i = 0; i < n; i++)
			R.ptr[pos[i] + 1] = csr_row_len(S, i);
		for (uint32_t v = 0; v < n; v++)
			R.ptr[v + 1] += R.ptr[v];
		#pragma omp parallel for schedule(static)
		for (int64_t i = 0; i < (int64_t)n; i++) {
			uint64_t o = R.ptr[pos[i]];
			for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
				R.idx[o] = pos[S->idx[e]];
				R.val[o++] = S->val[e];
			}
		}
		csr_transpose(&R, &T);
		csr_destroy(&R);
	} else {
		csr_transpose(S, &T);
	}
	csr_transpose(&T, &C);
	uint64_t *at = xcalloc((size_t)n + 1, sizeof *at);
	y->strength = xcalloc(n ? n : 1, sizeof *y->strength);
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t i = 0; i < (int64_t)n; i++)
		at[i + 1] = sym_row(&C, &T, (uint32_t)i, NULL, NULL);
	for (uint32_t i = 0; i < n; i++)
		at[i + 1] += at[i];
	uint64_t m = at[n];
	int rc = 0;
	if (igraph_vector_int_init(&y->edges, 2 * (igraph_integer_t)m) !=
	    IGRAPH_SUCCESS) {
		rc = err_set(err, ERR_LIMIT, "out of memory for the "
		    "symmetrised S (%.0f MB of edges)", 2.0 * (double)m *
		    sizeof(igraph_integer_t) / 1e6);
	} else if (igraph_vector_init(&y->w, (igraph_integer_t)m) !=
	    IGRAPH_SUCCESS) {
		igraph_vector_int_destroy(&y->edges);
		rc = err_set(err, ERR_LIMIT, "out of memory for the "
		    "symmetrised S (%.0f MB of weights)", (double)m *
		    sizeof(igraph_real_t) / 1e6);
	}
	if (rc < 0) {
		xfree(at);
		xfree(y->strength);
		csr_destroy(&T);
		csr_destroy(&C);
		memset(y, 0, sizeof *y);
		return rc;
	}
	igraph_integer_t *E = VECTOR(y->edges);
	igraph_real_t *W = VECTOR(y->w);
	#pragma omp parallel for schedule(dynamic, 256)
	for (int64_t i = 0; i < (int64_t)n; i++)
		sym_row(&C, &T, (uint32_t)i, E + 2 * at[i], W + at[i]);
	y->total = 0;
	for (uint64_t e = 0; e < m; e++) {
		y->strength[E[2 * e]] += W[e];
		y->strength[E[2 * e + 1]] += W[e];
		y->total += 2 * W[e];
	}
	xfree(at);
	csr_destroy(&T);
	csr_destroy(&C);
	return 0;
}

static void sym_destroy(struct sym *y)
{
	igraph_vector_int_destroy(&y->edges);
	igraph_vector_destroy(&y->w);
	xfree(y->strength);
}

/*
 * igraph_create(g, &y->edges, n, IGRAPH_UNDIRECTED) without its two
 * radix sorts, which took 0.4 s of Gowalla's insight (8M edges, each
 * pass a linked-list walk). igraph 0.10 keeps an undirected edge e as
 * from[e] >= to[e], its edge ids ordered by (from, to) in oi and by
 * (to, from) in ii, and each vertex's first position in them in os and
 * is (type_indexededgelist.c; the fields are igraph_datatype.h's). The
 * symmetrised S comes sorted by (i, j) with i < j, no pair twice: to =
 * i, from = j, so ii is the identity and oi a stable counting sort by j
 * (igraph orders repeated pairs by descending edge id; there are none).
 * The graph is made by igraph_empty (attributes, property cache) and
 * filled in; community_graph_check (for the tests) compares every vector
 * with igraph_create's.
 */
static igraph_error_t sym_graph(const struct sym *y, uint32_t n, igraph_t *g)
{
	igraph_integer_t m = igraph_vector_int_size(&y->edges) / 2;
	/* the engine's block first: when it fails and the memory scope
	 * unwinds, no graph exists yet */
	igraph_integer_t *at = xmalloc(((size_t)n + 1) * sizeof *at);
	igraph_error_t rc = igraph_empty(g, n, IGRAPH_UNDIRECTED);
	if (rc != IGRAPH_SUCCESS) {
		xfree(at);
		return rc;
	}
	if ((rc = igraph_vector_int_resize(&g->from, m)) != IGRAPH_SUCCESS ||
	    (rc = igraph_vector_int_resize(&g->to, m)) != IGRAPH_SUCCESS ||
	    (rc = igraph_vector_int_resize(&g->oi, m)) != IGRAPH_SUCCESS ||
	    (rc = igraph_vector_int_resize(&g->ii, m)) != IGRAPH_SUCCESS ||
	    (rc = igraph_vector_int_resize(&g->os, n + 1)) != IGRAPH_SUCCESS ||
	    (rc = igraph_vector_int_resize(&g->is, n + 1)) != IGRAPH_SUCCESS) {
		igraph_destroy(g);
		xfree(at);
		return rc;
	}
	const igraph_integer_t *E = VECTOR(y->edges);
	igraph_integer_t *from = VECTOR(g->from), *to = VECTOR(g->to);
	igraph_integer_t *oi = VECTOR(g->oi), *ii = VECTOR(g->ii);
	igraph_integer_t *os = VECTOR(g->os), *is = VECTOR(g->is);
	#pragma omp parallel for schedule(static)
	for (igraph_integer_t e = 0; e < m; e++) {
		to[e] = E[2 * e];
		from[e] = E[2 * e + 1];
		ii[e] = e;
	}
	memset(os, 0, ((size_t)n + 1) * sizeof *os);
	memset(is, 0, ((size_t)n + 1) * sizeof *is);
	for (igraph_integer_t e = 0; e < m; e++) {
		os[from[e] + 1]++;
		is[to[e] + 1]++;
	}
	for (uint32_t v = 0; v < n; v++) {
		os[v + 1] += os[v];
		is[v + 1] += is[v];
	}
	/* oi: the edges by from, each from's in edge order (by to) */
	memcpy(at, os, ((size_t)n + 1) * sizeof *at);
	for (igraph_integer_t e = 0; e < m; e++)
		oi[at[from[e]]++] = e;
	xfree(at);
	igraph_invalidate_cache(g);
	return IGRAPH_SUCCESS;
}

/* v ranks above u in the degree order (ties by index). */
static inline bool deg_above(const uint32_t *deg, uint32_t u, uint32_t v)
{
	return deg[v] > deg[u] || (deg[v] == deg[u] && v > u);
}

/* Global transitivity 3·triangles / connected triples of the symmetrised
 * S, counting each triangle once by orienting edges up the degree order
 * (the forward algorithm, O(m^1.5)); on nth threads, integer counts.
 * Its allocations do not unwind (a parallel region cannot): without the
 * memory the coefficient is NaN (shown as such). */
static double transitivity(const struct sym *y, uint32_t n, int nth)
{
	uint64_t m = (uint64_t)igraph_vector_int_size(&y->edges) / 2;
	const igraph_integer_t *E = VECTOR(y->edges);
	uint32_t *deg = try_calloc(n ? n : 1, sizeof *deg);
	uint64_t *ptr = try_calloc((size_t)n + 1, sizeof *ptr);
	uint32_t *adj = try_malloc((m ? m : 1) * sizeof *adj);
	uint64_t *fill = try_malloc(((size_t)n + 1) * sizeof *fill);
	double cc = NAN;
	if (!deg || !ptr || !adj || !fill)
		goto out;
	for (uint64_t e = 0; e < m; e++)
		deg[E[2 * e]]++, deg[E[2 * e + 1]]++;
	for (uint64_t e = 0; e < m; e++) {
		uint32_t a = (uint32_t)E[2 * e], b = (uint32_t)E[2 * e + 1];
		ptr[(deg_above(deg, a, b) ? a : b) + 1]++;
	}
	for (uint32_t i = 0; i < n; i++)
		ptr[i + 1] += ptr[i];
	memcpy(fill, ptr, ((size_t)n + 1) * sizeof *fill);
	for (uint64_t e = 0; e < m; e++) {
		uint32_t a = (uint32_t)E[2 * e], b = (uint32_t)E[2 * e + 1];
		if (deg_above(deg, a, b))
			adj[fill[a]++] = b;
		else
			adj[fill[b]++] = a;
	}
	double triples = 0;
	for (uint32_t i = 0; i < n; i++)
		triples += (double)deg[i] * (deg[i] - 1.0) / 2;
	uint64_t tri = 0;
	int short_of = 0;
	#pragma omp parallel num_threads(nth) reduction(+ : tri)
	{
		uint32_t *mark = try_calloc(n ? n : 1, sizeof *mark);
		if (!mark)
			__atomic_store_n(&short_of, 1, __ATOMIC_RELAXED);
		#pragma omp for schedule(dynamic, 256)
		for (int64_t u = 0; u < (int64_t)n; u++) {
			if (!mark)
				continue;
			for (uint64_t a = ptr[u]; a < ptr[u + 1]; a++)
				mark[adj[a]] = (uint32_t)u + 1;
			for (uint64_t a = ptr[u]; a < ptr[u + 1]; a++) {
				uint32_t v = adj[a];
				for (uint64_t b = ptr[v]; b < ptr[v + 1]; b++)
					tri += mark[adj[b]] == (uint32_t)u + 1;
			}
		}
		xfree(mark);
	}
	if (!short_of)
		cc = triples > 0 ? 3.0 * (double)tri / triples : 0;
out:
	xfree(deg);
	xfree(ptr);
	xfree(adj);
	xfree(fill);
	return cc;
}

/* Renumber membership by first appearance; fill community arrays. */
static void comm_publish(const igraph_vector_int_t *memb, uint32_t n,
    struct abstract_out *out)
{
	uint32_t *map = xmalloc((n ? n : 1) * sizeof *map);
	memset(map, 0xff, (n ? n : 1) * sizeof *map);
	out->community = xmalloc((n ? n : 1) * sizeof *out->community);
	out->n_comm = 0;
	for (uint32_t i = 0; i < n; i++) {
		igraph_integer_t c = memb ? VECTOR(*memb)[i] : (igraph_integer_t)i;
		if (map[c] == UINT32_MAX)
			map[c] = out->n_comm++;
		out->community[i] = map[c];
	}
	xfree(map);
	out->comm_size = xcalloc(out->n_comm ? out->n_comm : 1,
	    sizeof *out->comm_size);
	for (uint32_t i = 0; i < n; i++)
		out->comm_size[out->community[i]]++;
}

static const uint32_t *order_sizes;

static int cmp_comm_size(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (order_sizes[x] != order_sizes[y])
		return order_sizes[x] > order_sizes[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* comm_order (by descending size, ties by id) and the size summary. */
static void comm_order_fill(struct abstract_out *out)
{
	uint32_t nc = out->n_comm;
	out->comm_order = xmalloc((nc ? nc : 1) * sizeof *out->comm_order);
	for (uint32_t c = 0; c < nc; c++)
		out->comm_order[c] = c;
	order_sizes = out->comm_size;   /* single-threaded, igraph side */
	qsort(out->comm_order, nc, sizeof *out->comm_order, cmp_comm_size);
	order_sizes = NULL;
	out->st.n_communities = nc;
	stats_summarize_u32(out->comm_size, nc, &out->st.comm_size);
}

/* igraph is built without thread safety (DESIGN §2.1): one thread in it
 * at a time, whichever asks (the TUI's insight thread or its worker). */
static pthread_mutex_t igraph_mu = PTHREAD_MUTEX_INITIALIZER;

static void sym_destroy_cb(void *y)
{
	sym_destroy(y);
}

/*
 * What a function holds while it works under igraph_mu, released (and
 * the lock with it) if a memory scope unwinds meanwhile: an engine
 * allocation that fails after the lock was taken.
 */
struct held {
	struct sym *y, *ys;
	igraph_vector_int_t *memb;
	igraph_t *g;
	const struct hooks *h;   /* the cancel flag igraph gets back */
	pthread_t th;            /* the thread beside igraph's work */
	bool y_ok, ys_ok, memb_ok, g_ok, th_ok;
};

static void held_release(void *arg)
{
	struct held *hd = arg;
	if (hd->th_ok) {
		/* it reads what is released below: wait for it */
		pthread_join(hd->th, NULL);
		hd->th_ok = false;
	}
	if (hd->h)
		engine_igraph_set_cancel(hd->h->cancel);
	if (hd->g_ok)
		igraph_destroy(hd->g);
	if (hd->memb_ok)
		igraph_vector_int_destroy(hd->memb);
	if (hd->y_ok)
		sym_destroy(hd->y);
	if (hd->ys_ok)
		sym_destroy(hd->ys);
	pthread_mutex_unlock(&igraph_mu);
}

/*
 * Leiden's start (DESIGN §2.1: from what the parameters determine, never
 * from the history of changes): the communities of S's START_TOPK
 * strongest relations per item, found from singletons. That graph is
 * small (Gowalla: 150k edges against 6M, 0.1 s) and its communities are
 * most of the work on S done early: Leiden on Gowalla's S took 2.4 s
 * from singletons, 1.6 s from this start, and 1.4 s from its own answer
 * (the floor a start can reach); modularity 0.7162 -> 0.7168.
 */
#define START_TOPK 5

/* Leiden with the modularity objective: node weights = strengths and
 * resolution γ/(2m) (igraph 0.10 documentation). */
static int leiden(const struct pipeline *pl, const igraph_t *g,
    const struct sym *y, bool start, igraph_vector_int_t *memb)
{
	igraph_vector_t nw;
	igraph_integer_t nc = 0;
	igraph_vector_view(&nw, y->strength, igraph_vcount(g));
	return igraph_community_leiden(g, &y->w, &nw,
	    params_real(&pl->params, P_ABSTRACT_RESOLUTION) / y->total, 0.01,
	    start, LEIDEN_ITERATIONS, memb, &nc, NULL);
}

/* The start's partition of the n items into memb (initialised, length
 * n): 1 when made, 0 when there is none to make (S is its own strongest
 * relations, or has no weight), -1 on error. */
static int leiden_start(const struct pipeline *pl, const struct csr *S,
    igraph_vector_int_t *memb, struct held *hd, struct err *err)
{
	struct csr P;
	csr_init(&P);
	abstract_derive_prefix(S, -HUGE_VAL, START_TOPK, &P);
	int rc = P.nnz < S->nnz ? sym_build(&P, NULL, hd->ys, err) : 1;
	csr_destroy(&P);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	hd->ys_ok = true;
	igraph_t gs;
	if (hd->ys->total > 0) {
		rc = sym_graph(hd->ys, S->nrows, &gs);
		if (rc == IGRAPH_SUCCESS) {
			rc = leiden(pl, &gs, hd->ys, false, memb);
			igraph_destroy(&gs);
		}
		rc = rc == IGRAPH_SUCCESS ? 1 : engine_igraph_error(err, rc,
		    "abstract.cluster=leiden");
	}
	sym_destroy(hd->ys);
	hd->ys_ok = false;
	return rc;
}

/* Run the configured detection into memb (initialised, length n; for
 * Leiden with `start`, the partition to start from). */
static int detect(const struct pipeline *pl, const igraph_t *g,
    const struct sym *y, bool start, igraph_vector_int_t *memb,
    struct err *err)
{
	int how = params_enum(&pl->params, P_ABSTRACT_CLUSTER);
	int rc = IGRAPH_SUCCESS;
	if (how == CLUSTER_LEIDEN && y->total > 0) {
		rc = leiden(pl, g, y, start, memb);
	} else if (how == CLUSTER_LOUVAIN && y->total > 0) {
		rc = igraph_community_multilevel(g, &y->w,
		    params_real(&pl->params, P_ABSTRACT_RESOLUTION), memb,
		    NULL, NULL);
	} else {
		for (igraph_integer_t v = 0; v < igraph_vcount(g); v++)
			VECTOR(*memb)[v] = v;
	}
	if (rc != IGRAPH_SUCCESS)
		return engine_igraph_error(err, rc, how == CLUSTER_LEIDEN ?
		    "abstract.cluster=leiden" : "abstract.cluster=louvain");
	return 0;
}

int community_structure(const struct csr *S, struct abstract_stats *st,
    struct err *err)
{
	struct sym y;
	/* igraph's vectors: its error handler (engine_igraph_init) returns
	 * ENOMEM instead of aborting; one thread in igraph at a time */
	struct held hd = { .y = &y };
	struct mem_defer d;
	pthread_mutex_lock(&igraph_mu);
	mem_defer_push(&d, held_release, &hd);
	engine_igraph_init();
	int rc = sym_build(S, NULL, &y, err);
	mem_defer_pop(&d);
	pthread_mutex_unlock(&igraph_mu);
	if (rc < 0)
		return err_prefix(err, "abstract: clustering");
	/* igraph's vectors are not in the memory scope's ledger */
	mem_defer_push(&d, sym_destroy_cb, &y);
	csr_components(S, false, &st->n_components, &st->largest_component);
	st->clustering = transitivity(&y, S->nrows, thread_max());
	mem_defer_pop(&d);
	sym_destroy(&y);
	return 0;
}

/* Item i's vertex: items in the order of their start community (ties by
 * item), so a community's relations are near each other in igraph's
 * arrays. */
static uint32_t *start_order(const igraph_vector_int_t *memb, uint32_t n)
{
	uint32_t *at = xcalloc((size_t)n + 1, sizeof *at);
	uint32_t *pos = xmalloc((n ? n : 1) * sizeof *pos);
	for (uint32_t i = 0; i < n; i++)
		at[VECTOR(*memb)[i] + 1]++;
	for (uint32_t c = 0; c < n; c++)
		at[c + 1] += at[c];
	for (uint32_t i = 0; i < n; i++)
		pos[i] = at[VECTOR(*memb)[i]]++;
	xfree(at);
	return pos;
}

/*
 * What community_detect computes beside igraph, on a thread of its own:
 * the statistics that need no partition (components, clustering) and the
 * caller's side work. igraph stays on the calling thread, where it ran
 * before: on a new thread it took 1.3x as long (measured on Gowalla;
 * likely its many allocations in a fresh malloc arena). This thread
 * has its own memory scope: a failed allocation unwinds to beside_run
 * and is reported as an error.
 */
struct beside {
	const struct csr *S;
	const struct sym *y;
	bool structure;
	const struct side_work *side;
	int nth;                 /* OpenMP threads for the clustering */
	uint32_t n_components, largest;
	double clustering;
	int rc;                  /* 0, or -1 with err */
	struct err err;
};

static void beside_work(struct beside *b)
{
	if (b->structure) {
		csr_components(b->S, false, &b->n_components, &b->largest);
		b->clustering = transitivity(b->y, b->S->nrows, b->nth);
	}
	/* the side work on every core: igraph is done long before it on
	 * a large log (the 20M log's cut tally took 9.4 s on one thread
	 * beside Leiden's 1 s, 5.3 s on two), and it is short beside
	 * Leiden on Gowalla */
	if (b->side)
		b->rc = b->side->fn(b->side->arg, &b->err);
}

static void *beside_run(void *arg)
{
	struct beside *b = arg;
	struct mem_scope sc;
	mem_scope_open(&sc);
	if (setjmp(sc.jb) != 0) {
		b->rc = mem_scope_error(&sc, &b->err, "abstract");
		return NULL;
	}
	beside_work(b);
	mem_scope_close(&sc);
	return NULL;
}

/* igraph's part: the graph, the detection, the modularity into *q. */
static int igraph_part(const struct pipeline *pl, const struct sym *y,
    uint32_t n, bool start, struct held *hd, igraph_real_t *q,
    struct err *err)
{
	int rc = sym_graph(y, n, hd->g);
	hd->g_ok = rc == IGRAPH_SUCCESS;
	if (!hd->g_ok)
		return engine_igraph_error(err, rc, "abstract: graph");
	if (detect(pl, hd->g, y, start, hd->memb, err) < 0)
		return -1;
	if (y->total > 0) {
		rc = igraph_modularity(hd->g, hd->memb, &y->w,
		    params_real(&pl->params, P_ABSTRACT_RESOLUTION), false, q);
		if (rc != IGRAPH_SUCCESS)
			return engine_igraph_error(err, rc,
			    "abstract: modularity");
	}
	return 0;
}

int community_detect(const struct pipeline *pl, const struct hooks *h,
    const struct csr *S, struct abstract_out *out, bool structure,
    const struct side_work *side, struct err *err)
{
	uint32_t n = S->nrows;
	struct sym y, ys;
	igraph_t g;
	igraph_vector_int_t memb;
	igraph_real_t q = NAN;
	int ret = -1, start = 0;
	uint32_t *pos = NULL;
	struct held hd = { .y = &y, .ys = &ys, .memb = &memb, .g = &g };
	struct mem_defer d;
	pthread_mutex_lock(&igraph_mu);
	mem_defer_push(&d, held_release, &hd);
	engine_igraph_init();
	engine_igraph_clear();
	/*
	 * igraph is not thread-safe: one thread in it at a time, under
	 * igraph_mu (this one, then its own thread below, never both).
	 * igraph 0.10's Leiden and Louvain do not unwind their temporaries
	 * when the interruption handler fires (a Ctrl-C in them crashed):
	 * every igraph call here runs uninterruptible and the flag is looked
	 * at afterwards.
	 */
	engine_igraph_set_cancel(NULL);
	hd.h = h;
	if (igraph_vector_int_init(&memb, n) != IGRAPH_SUCCESS) {
		err_set(err, ERR_LIMIT, "abstract: communities: out of "
		    "memory for the membership of %u items", n);
		goto out;
	}
	hd.memb_ok = true;
	igraph_rng_seed(igraph_rng_default(),
	    (igraph_uint_t)params_int(&pl->params, P_ABSTRACT_SEED));
	/* Leiden reports nothing while it runs: name each step instead,
	 * so the progress line never sits on one label for seconds */
	if (params_enum(&pl->params, P_ABSTRACT_CLUSTER) == CLUSTER_LEIDEN) {
		hooks_progress(h, "communities: Leiden's start", 0.05);
		start = leiden_start(pl, S, &memb, &hd, err);
		if (start < 0) {
			err_prefix(err, "abstract: communities");
			goto out;
		}
		if (start) {
			/* memb renamed to the vertices of pos */
			pos = start_order(&memb, n);
			igraph_integer_t *c = xmalloc((n ? n : 1) * sizeof *c);
			for (uint32_t i = 0; i < n; i++)
				c[pos[i]] = VECTOR(memb)[i];
			memcpy(VECTOR(memb), c, n * sizeof *c);
			xfree(c);
		}
	}
	hooks_progress(h, "communities: symmetrising S", 0.15);
	if (sym_build(S, pos, &y, err) < 0) {
		err_prefix(err, "abstract: communities");
		goto out;
	}
	hd.y_ok = true;
	/*
	 * The graph and Leiden (single-threaded, the longest step here) on
	 * this thread; a second one meanwhile computes what needs no
	 * partition, on the other cores. Without a thread, that follows.
	 */
	hooks_progress(h, params_enum(&pl->params, P_ABSTRACT_CLUSTER) ==
	    CLUSTER_LOUVAIN ? "communities: Louvain" : "communities: Leiden",
	    0.3);
	int cores = thread_max();
	struct beside bw = { .S = S, .y = &y, .structure = structure,
		.side = side, .nth = cores > 1 ? cores - 1 : 1,
		.clustering = NAN };
	if ((structure || side) && cores > 1 &&
	    pthread_create(&hd.th, NULL, beside_run, &bw) == 0)
		hd.th_ok = true;
	int irc = igraph_part(pl, &y, n, start > 0, &hd, &q, err);
	if (hd.th_ok) {
		pthread_join(hd.th, NULL);
		hd.th_ok = false;
	} else if (irc == 0) {
		bw.nth = cores;
		beside_work(&bw);
	}
	if (irc < 0)
		goto out;
	if (bw.rc < 0) {
		*err = bw.err;
		goto out;
	}
	if (structure) {
		out->st.n_components = bw.n_components;
		out->st.largest_component = bw.largest;
		out->st.clustering = bw.clustering;
	}
	if (hooks_cancelled(h)) {
		err_set(err, ERR_INTERRUPTED, "abstract: interrupted");
		goto out;
	}
	if (pos) {
		/* back to items */
		for (uint32_t i = 0; i < n; i++)
			pos[i] = (uint32_t)VECTOR(memb)[pos[i]];
		for (uint32_t i = 0; i < n; i++)
			VECTOR(memb)[i] = pos[i];
	}
	out->st.modularity = q;
	comm_publish(&memb, n, out);
	comm_order_fill(out);
	ret = 0;
out:
	mem_defer_pop(&d);
	xfree(pos);
	held_release(&hd);
	return ret;
}

void community_user_entropy(const struct csr *ui, const uint32_t *comm,
    uint32_t n_comm, float *out)
{
	#pragma omp parallel
	{
		double *acc = xcalloc(n_comm ? n_comm : 1, sizeof *acc);
		uint32_t *list = xmalloc((n_comm ? n_comm : 1) * sizeof *list);
		#pragma omp for schedule(dynamic, 256)
		for (int64_t u = 0; u < (int64_t)ui->nrows; u++) {
			uint32_t nl = 0;
			double tot = 0, h = 0;
			for (uint64_t e = ui->ptr[u]; e < ui->ptr[u + 1]; e++) {
				uint32_t c = comm[ui->idx[e]];
				if (acc[c] == 0)
					list[nl++] = c;
				acc[c] += ui->val[e];
				tot += ui->val[e];
			}
			for (uint32_t x = 0; x < nl; x++) {
				double pi = acc[list[x]] / tot;
				if (pi > 0)
					h -= pi * log2(pi);
				acc[list[x]] = 0;
			}
			out[u] = (float)h;
		}
		xfree(acc);
		xfree(list);
	}
}

int community_graph_check(const struct csr *S, struct err *err)
{
	struct sym y;
	igraph_t a, b;
	pthread_mutex_lock(&igraph_mu);
	engine_igraph_init();
	if (sym_build(S, NULL, &y, err) < 0) {
		pthread_mutex_unlock(&igraph_mu);
		return -1;
	}
	int rc = 0;
	if (igraph_create(&a, &y.edges, S->nrows, IGRAPH_UNDIRECTED) !=
	    IGRAPH_SUCCESS) {
		rc = err_set(err, ERR_LIMIT, "igraph_create failed");
	} else {
		if (sym_graph(&y, S->nrows, &b) != IGRAPH_SUCCESS) {
			rc = err_set(err, ERR_LIMIT, "sym_graph failed");
		} else {
			const igraph_vector_int_t *va[] = { &a.from, &a.to,
				&a.oi, &a.ii, &a.os, &a.is };
			const igraph_vector_int_t *vb[] = { &b.from, &b.to,
				&b.oi, &b.ii, &b.os, &b.is };
			static const char *const name[] = { "from", "to",
				"oi", "ii", "os", "is" };
			for (int v = 0; v < 6 && rc == 0; v++)
				if (!igraph_vector_int_all_e(va[v], vb[v]))
					rc = err_set(err, ERR_STATE, "%s differs "
					    "from igraph_create's", name[v]);
			if (rc == 0 && (a.n != b.n || a.directed != b.directed))
				rc = err_set(err, ERR_STATE, "n or directed "
				    "differs from igraph_create's");
			igraph_destroy(&b);
		}
		igraph_destroy(&a);
	}
	sym_destroy(&y);
	pthread_mutex_unlock(&igraph_mu);
	return rc;
}

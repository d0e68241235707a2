/*
 * distill — community.c: the structure of the similarity graph S.
 *
 * S is symmetrised (an undirected edge {i,j} weighs max(s_ij, s_ji)) and
 * handed to igraph for communities (Leiden with the modularity objective,
 * or Louvain), modularity and transitivity. Weakly connected components
 * are counted with a union-find (items without any S edge excluded, as
 * for the graph stage) and transitivity with a parallel triangle count. abstract.cluster = none makes every item its own
 * singleton community, so community profiles degenerate to item profiles.
 * Community ids are renumbered by first appearance in item order.
 */
#include <igraph.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "abstract.h"

/* Leiden passes. Each pass costs about as much as the rest of the stage;
 * a second one moved modularity by 0.002 on ML-100K (0.4032 -> 0.4051)
 * and 0.001 on Gowalla (0.7485 -> 0.7496) for 1.5x the time, so one. */
#define LEIDEN_ITERATIONS 1

/* The symmetrised S as igraph input. */
struct sym {
	igraph_vector_int_t edges;   /* 2 per undirected edge */
	igraph_vector_t w;
	double *strength;            /* per item */
	double total;                /* Σ strength = 2m */
};

/* Union of row i of S and of its transpose, keeping j > i with the
 * larger of the two weights. The edge list is igraph's (a vector of its
 * own, for igraph_create): when it cannot be had, ERR_LIMIT with the
 * size asked for, and nothing is left allocated. */
static int sym_build(const struct csr *S, struct sym *y, struct err *err)
{
	uint32_t n = S->nrows;
	memset(y, 0, sizeof *y);
	/* the engine's blocks first: when one fails and the memory scope
	 * unwinds, no igraph vector exists yet */
	struct csr T;
	csr_init(&T);
	csr_transpose(S, &T);
	double *wmax = xcalloc(n ? n : 1, sizeof *wmax);
	uint32_t *mark = xcalloc(n ? n : 1, sizeof *mark);
	uint32_t *list = xmalloc((n ? n : 1) * sizeof *list);
	y->strength = xcalloc(n ? n : 1, sizeof *y->strength);
	int rc = 0;
	if (igraph_vector_int_init(&y->edges, 2 * (igraph_integer_t)S->nnz) !=
	    IGRAPH_SUCCESS) {
		rc = err_set(err, ERR_LIMIT, "out of memory for the "
		    "symmetrised S (%.0f MB of edges)", 2.0 * (double)S->nnz *
		    sizeof(igraph_integer_t) / 1e6);
	} else if (igraph_vector_init(&y->w, (igraph_integer_t)S->nnz) !=
	    IGRAPH_SUCCESS) {
		igraph_vector_int_destroy(&y->edges);
		rc = err_set(err, ERR_LIMIT, "out of memory for the "
		    "symmetrised S (%.0f MB of weights)", (double)S->nnz *
		    sizeof(igraph_real_t) / 1e6);
	}
	if (rc < 0) {
		xfree(wmax);
		xfree(mark);
		xfree(list);
		xfree(y->strength);
		csr_destroy(&T);
		memset(y, 0, sizeof *y);
		return rc;
	}
	igraph_integer_t *E = VECTOR(y->edges);
	igraph_real_t *W = VECTOR(y->w);
	uint64_t m = 0;
	y->total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nl = 0;
		for (int pass = 0; pass < 2; pass++) {
			const struct csr *M = pass ? &T : S;
			for (uint64_t e = M->ptr[i]; e < M->ptr[i + 1]; e++) {
				uint32_t j = M->idx[e];
				if (j <= i || !(M->val[e] > 0))
					continue;
				if (mark[j] != i + 1) {
					mark[j] = i + 1;
					wmax[j] = 0;
					list[nl++] = j;
				}
				if (M->val[e] > wmax[j])
					wmax[j] = M->val[e];
			}
		}
		for (uint32_t x = 0; x < nl; x++) {
			uint32_t j = list[x];
			E[2 * m] = i;
			E[2 * m + 1] = j;
			W[m++] = wmax[j];
			y->strength[i] += wmax[j];
			y->strength[j] += wmax[j];
			y->total += 2 * wmax[j];
		}
	}
	igraph_vector_int_resize(&y->edges, 2 * (igraph_integer_t)m);
	igraph_vector_resize(&y->w, (igraph_integer_t)m);
	xfree(wmax);
	xfree(mark);
	xfree(list);
	csr_destroy(&T);
	return 0;
}

static void sym_destroy(struct sym *y)
{
	igraph_vector_int_destroy(&y->edges);
	igraph_vector_destroy(&y->w);
	xfree(y->strength);
}

/* v ranks above u in the degree order (ties by index). */
static inline bool deg_above(const uint32_t *deg, uint32_t u, uint32_t v)
{
	return deg[v] > deg[u] || (deg[v] == deg[u] && v > u);
}

/* Global transitivity 3·triangles / connected triples of the symmetrised
 * S, counting each triangle once by orienting edges up the degree order
 * (the forward algorithm, O(m^1.5)); parallel, integer counts. It runs
 * beside Leiden on an OpenMP thread, where a failed allocation cannot
 * unwind: without the memory the coefficient is NaN (shown as such). */
static double transitivity(const struct sym *y, uint32_t n)
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
	#pragma omp parallel reduction(+ : tri)
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

/* Run the configured detection into memb (initialised, length n). */
static int detect(const struct pipeline *pl, const igraph_t *g,
    const struct sym *y, igraph_vector_int_t *memb, struct err *err)
{
	const struct params *p = &pl->params;
	double gamma = params_real(p, P_ABSTRACT_RESOLUTION);
	int how = params_enum(p, P_ABSTRACT_CLUSTER);
	igraph_rng_seed(igraph_rng_default(),
	    (igraph_uint_t)params_int(p, P_ABSTRACT_SEED));
	int rc = IGRAPH_SUCCESS;
	if (how == CLUSTER_LEIDEN && y->total > 0) {
		igraph_vector_t nw;
		igraph_vector_view(&nw, y->strength,
		    igraph_vcount(g));
		igraph_integer_t nc = 0;
		igraph_real_t q = 0;
		/* Modularity objective: node weights = strengths and
		 * resolution γ/(2m) (igraph 0.10 documentation). */
		rc = igraph_community_leiden(g, &y->w, &nw, gamma / y->total,
		    0.01, false, LEIDEN_ITERATIONS, memb, &nc, &q);
	} else if (how == CLUSTER_LOUVAIN && y->total > 0) {
		rc = igraph_community_multilevel(g, &y->w, gamma, memb, NULL,
		    NULL);
	} else {
		for (igraph_integer_t v = 0; v < igraph_vcount(g); v++)
			VECTOR(*memb)[v] = v;
	}
	if (rc != IGRAPH_SUCCESS)
		return engine_igraph_error(err, rc, how == CLUSTER_LEIDEN ?
		    "abstract.cluster=leiden" : "abstract.cluster=louvain");
	return 0;
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
	struct sym *y;
	igraph_vector_int_t *memb;
	igraph_t *g;
	const struct hooks *h;   /* the cancel flag igraph gets back */
	bool y_ok, memb_ok, g_ok;
};

static void held_release(void *arg)
{
	struct held *hd = arg;
	if (hd->h)
		engine_igraph_set_cancel(hd->h->cancel);
	if (hd->g_ok)
		igraph_destroy(hd->g);
	if (hd->memb_ok)
		igraph_vector_int_destroy(hd->memb);
	if (hd->y_ok)
		sym_destroy(hd->y);
	pthread_mutex_unlock(&igraph_mu);
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
	int rc = sym_build(S, &y, err);
	mem_defer_pop(&d);
	pthread_mutex_unlock(&igraph_mu);
	if (rc < 0)
		return err_prefix(err, "abstract: clustering");
	/* igraph's vectors are not in the memory scope's ledger */
	mem_defer_push(&d, sym_destroy_cb, &y);
	csr_components(S, false, &st->n_components, &st->largest_component);
	st->clustering = transitivity(&y, S->nrows);
	mem_defer_pop(&d);
	sym_destroy(&y);
	return 0;
}

int community_detect(const struct pipeline *pl, const struct hooks *h,
    const struct csr *S, struct abstract_out *out, bool structure,
    struct err *err)
{
	uint32_t n = S->nrows;
	struct sym y;
	igraph_t g;
	igraph_vector_int_t memb;
	igraph_real_t q = NAN, tr = NAN;
	int ret = -1;
	struct held hd = { .y = &y, .memb = &memb, .g = &g };
	struct mem_defer d;
	pthread_mutex_lock(&igraph_mu);
	mem_defer_push(&d, held_release, &hd);
	engine_igraph_init();
	engine_igraph_clear();
	/* Leiden reports nothing while it runs: name each step instead,
	 * so the progress line never sits on one label for seconds */
	hooks_progress(h, "communities: symmetrising S", 0.05);
	if (sym_build(S, &y, err) < 0) {
		mem_defer_pop(&d);
		pthread_mutex_unlock(&igraph_mu);
		return err_prefix(err, "abstract: communities");
	}
	hd.y_ok = true;
	if (igraph_vector_int_init(&memb, n) != IGRAPH_SUCCESS) {
		mem_defer_pop(&d);
		sym_destroy(&y);
		pthread_mutex_unlock(&igraph_mu);
		return err_set(err, ERR_LIMIT, "abstract: communities: out of "
		    "memory for the membership of %u items", n);
	}
	hd.memb_ok = true;
	/*
	 * igraph runs on this thread (it is not thread-safe; nothing else
	 * calls it meanwhile), the statistics that need no partition on a
	 * second one: Leiden is single-threaded and the longest step here.
	 * igraph 0.10's Leiden and Louvain do not unwind their temporaries
	 * when the interruption handler fires (a Ctrl-C in them crashed):
	 * every igraph call here runs uninterruptible and the flag is looked
	 * at afterwards.
	 */
	int rc = IGRAPH_SUCCESS, drc = 0;
	bool made = false;
	/* the components here, where a failed allocation can unwind */
	if (structure)
		csr_components(S, false, &out->st.n_components,
		    &out->st.largest_component);
	engine_igraph_set_cancel(NULL);
	hd.h = h;
	#pragma omp parallel num_threads(2) if (structure && S->nnz > 50000)
	{
		int me = 0, nt = 1;
#ifdef _OPENMP
		me = omp_get_thread_num();
		nt = omp_get_num_threads();
#endif
		if (me == 0) {
			hooks_progress(h, "communities: igraph graph", 0.2);
			rc = igraph_create(&g, &y.edges, n, IGRAPH_UNDIRECTED);
			made = rc == IGRAPH_SUCCESS;
			if (made) {
				hooks_progress(h, params_enum(&pl->params,
				    P_ABSTRACT_CLUSTER) == CLUSTER_LOUVAIN ?
				    "communities: Louvain" :
				    "communities: Leiden", 0.4);
				drc = detect(pl, &g, &y, &memb, err);
			}
		}
		if (structure && (me == 1 || nt == 1))
			tr = transitivity(&y, n);
	}
	if (!made) {
		mem_defer_pop(&d);
		engine_igraph_set_cancel(h->cancel);
		igraph_vector_int_destroy(&memb);
		sym_destroy(&y);
		engine_igraph_error(err, rc, "abstract: graph");
		pthread_mutex_unlock(&igraph_mu);
		return -1;
	}
	hd.g_ok = true;
	if (drc < 0)
		goto out;
	if (hooks_cancelled(h)) {
		err_set(err, ERR_INTERRUPTED, "abstract: interrupted");
		goto out;
	}
	hooks_progress(h, "communities: modularity", 0.9);
	if (y.total > 0) {
		rc = igraph_modularity(&g, &memb, &y.w,
		    params_real(&pl->params, P_ABSTRACT_RESOLUTION), false, &q);
		if (rc != IGRAPH_SUCCESS) {
			engine_igraph_error(err, rc, "abstract: modularity");
			goto out;
		}
	}
	if (structure)
		out->st.clustering = tr;
	out->st.modularity = q;
	comm_publish(&memb, n, out);
	comm_order_fill(out);
	ret = 0;
out:
	mem_defer_pop(&d);
	engine_igraph_set_cancel(h->cancel);
	igraph_vector_int_destroy(&memb);
	igraph_destroy(&g);
	sym_destroy(&y);
	pthread_mutex_unlock(&igraph_mu);
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

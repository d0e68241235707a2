#!/usr/bin/env python3
# distill — bench/p3_ref.py: a plain numpy/scipy.sparse P3alpha / RP3beta
# item-kNN recommender with its evaluation, the reference that
# bench/vs-scipy.sh times against distill. Not a test.
#
#   p3_ref.py TRAIN TEST [--metric p3|rp3] [--alpha 1] [--beta 0.5]
#             [--topk 200] [--k 20] [--block 1000]
#
# TRAIN and TEST hold one user per line, "user item item ...", implicit.
# Definitions follow distill (abstract.metric p3/rp3, eval.target test):
#   X        users x items, 1 per train pair (duplicates merged)
#   P_ui     (x_ui / deg(u))^alpha,  P_iu = (x_ui / deg(i))^alpha
#   s_ij     sum_u P_iu P_uj, divided by deg(j)^beta for rp3; j != i;
#            rounded to float32, the topk largest per row kept (ties:
#            smaller item index, items indexed in order of first appearance)
#   r_uj     sum_i (x_ui / deg(u)) s_ij for j not in train(u); the best k
#            with r > 0 (ties: smaller item index)
#   truth    test pairs of users and items that have train interactions;
#            every user with a truth item is evaluated
# Prints recall@k, precision@k and ndcg@k (binary gain, IDCG over
# min(k, |T|)) to stdout and the time of each phase to stderr.
import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp


def read_adj(path, users, items, add_items):
    """Rows and columns of the pairs in an adjacency-list file. Unknown
    users are added; unknown items too when add_items, else dropped."""
    rows, cols = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            u = users.setdefault(parts[0], len(users))
            for it in parts[1:]:
                j = items.get(it)
                if j is None:
                    if not add_items:
                        continue
                    j = items[it] = len(items)
                rows.append(u)
                cols.append(j)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def binary_csr(rows, cols, shape):
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                      shape=shape)
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def csr_topk(M, k):
    """Keep the k largest entries of each row of the CSR matrix M (all of
    them > 0), ties broken by the smaller column; returns a new CSR."""
    M = M.tocsr()
    M.eliminate_zeros()
    ptr, ind, dat = M.indptr, M.indices, M.data
    lens = np.diff(ptr)
    keep = np.repeat(lens <= k, lens)
    for r in np.flatnonzero(lens > k):
        s, e = ptr[r], ptr[r + 1]
        d = dat[s:e]
        sel = np.argpartition(-d, k - 1)[:k]
        kth = d[sel].min()
        # argpartition picks arbitrarily among entries equal to the k-th
        # value: take the ones with the smaller columns
        gt = d > kth
        eq = np.flatnonzero(d == kth)
        if gt.sum() + len(eq) > k:
            eq = eq[np.argsort(ind[s + eq])]
            gt[eq[:k - gt.sum()]] = True
            keep[s:e] = gt
        else:
            keep[s + sel] = True
    rows = np.repeat(np.arange(M.shape[0]), lens)[keep]
    return sp.csr_matrix((dat[keep], (rows, ind[keep])), shape=M.shape)


def ranked(M):
    """(row, column, value) of the entries of the CSR matrix M ordered by
    row, then value descending, then column."""
    M = M.tocoo()
    o = np.lexsort((M.col, -M.data, M.row))
    return M.row[o], M.col[o], M.data[o]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--metric", choices=("p3", "rp3"), default="p3")
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--topk", type=int, default=200)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--block", type=int, default=2000,
                    help="users scored per block")
    a = ap.parse_args()
    t0 = time.perf_counter()
    last = [t0]

    def phase(name):
        now = time.perf_counter()
        print(f"{name:8s} {now - last[0]:7.3f} s", file=sys.stderr)
        last[0] = now

    # ---- load
    users, items = {}, {}
    r, c = read_adj(a.train, users, items, True)
    n_items_train = len(items)
    tr, tc = read_adj(a.test, users, items, False)
    U, I = len(users), n_items_train
    X = binary_csr(r, c, (U, I))
    T = binary_csr(tr, tc, (U, I))
    udeg = np.asarray(X.sum(axis=1)).ravel()
    ideg = np.asarray(X.sum(axis=0)).ravel()
    # truth: users with train interactions (items are train items already)
    T = sp.diags((udeg > 0).astype(np.float64)) @ T
    T.eliminate_zeros()
    phase("load")

    # ---- similarity S (items x items)
    inv_u = np.divide(1.0, udeg, out=np.zeros(U), where=udeg > 0)
    inv_i = np.divide(1.0, ideg, out=np.zeros(I), where=ideg > 0)
    P_uj = (sp.diags(inv_u) @ X).tocsr()          # users x items
    P_iu = (sp.diags(inv_i) @ X.T).tocsr()        # items x users
    if a.alpha != 1:
        P_uj = P_uj.power(a.alpha)
        P_iu = P_iu.power(a.alpha)
    S = (P_iu @ P_uj).tocsr()
    if a.metric == "rp3":
        S.data /= ideg[S.indices] ** a.beta
    S.setdiag(0)
    S.data = S.data.astype(np.float32)
    phase("cooc")
    S = csr_topk(S, a.topk)
    phase("topk")

    # ---- scores and top-k per evaluated user, a block of users at a time
    A = (sp.diags(inv_u) @ X).tocsr()
    tlen = np.diff(T.indptr)
    ev = np.flatnonzero(tlen > 0)
    k = a.k
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    idcg_cum = np.cumsum(disc)
    rec = prec = ndcg = 0.0
    for start in range(0, len(ev), a.block):
        us = ev[start:start + a.block]
        R = A[us] @ S
        R = R - R.multiply(X[us])                 # drop the train items
        rows, cols, _ = ranked(csr_topk(R, k))
        first = np.searchsorted(rows, np.arange(len(us)))
        rank = np.arange(len(rows)) - first[rows]
        hit = np.asarray(T[us][rows, cols]).ravel() > 0
        nt = tlen[us]
        nh = np.bincount(rows[hit], minlength=len(us))
        dcg = np.bincount(rows[hit], weights=disc[rank[hit]],
                          minlength=len(us))
        rec += (nh / nt).sum()
        prec += (nh / k).sum()
        ndcg += (dcg / idcg_cum[np.minimum(nt, k) - 1]).sum()
    phase("score")
    n = len(ev)
    print(f"users {n}  items {I}  S nnz {S.nnz}", file=sys.stderr)
    print(f"total    {time.perf_counter() - t0:7.3f} s", file=sys.stderr)
    print(f"recall@{k} {rec / n:.5f}")
    print(f"precision@{k} {prec / n:.5f}")
    print(f"ndcg@{k} {ndcg / n:.5f}")


if __name__ == "__main__":
    main()

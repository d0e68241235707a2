# tune: the start, a seeded Latin hypercube, coordinate refinement; the
# best is applied as one change that one undo takes back. The trail is in
# JSON here (its ms are normalised); errors name what is wrong.
load samples/teach.tsv --items samples/teach-items.csv
set eval.k 5
format json; run; format table
format json
tune abstract.topk=1:6 distill.beta filter.method --budget 8 --metric ndcg@5
format table
get abstract.topk
get distill.beta
get filter.method
undo
get abstract.topk
get distill.beta
get filter.method
tune abstract.topk --metric ndcg@10
tune abstract.topk --metric foo
tune graph.min_rating
tune abstract.seed
tune abstract.alpha=2:1
tune abstract.alpha --budget 0
set eval.target test
tune abstract.topk

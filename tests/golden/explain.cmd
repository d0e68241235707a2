# Recommendations, explanations and evaluation on the teaching set.
load samples/teach.tsv --items samples/teach-items.csv
rec alice
rec bob 3
why bob i04
why bob "Notting Hill (1999)"
whynot alice i09
whynot alice i01
profile alice
eval
compare
stats abstract
stats filter
stats distill
stats recommend
eval --test
# files are written silently in batch mode
export abstract s.graphml
export graph ui.csv --format csv
rec --all --out all.csv
rec --all
echo ile is reported when asked for (it detects communities)
set eval.ile on
eval
echo sweep takes METRIC@K with K one of eval.k
sweep distill.beta 0 0.2 0.1 ndcg@10
sweep distill.beta 0 0.2 0.1 ndcg@5
echo user: every interaction of alice by split part
user alice
echo item: the neighbourhood of an item under the disparity filter
set filter.method backbone
set filter.alpha 0.5
item i03 4
item "blade runner"
echo community: by number, by one of its items (labelled by the most central)
community 1
community --of i03
community 9
community --of

# Loading the teaching set, the load and graph statistics, parameters.
load samples/teach.tsv --items samples/teach-items.csv
stats load
# samples/teach.md "Leave-last split": |E| = 32, density 4/15 = 0.266667,
# item degrees median 2, mean 8/3, Gini 67/192 = 0.348958, top 20% = 1/2,
# one component with all 22 vertices.
set split.method leave-last
set split.validation 0
stats graph
params graph
get abstract.threshold
help param abstract.topk
help command sweep
users
items the
items "blade"

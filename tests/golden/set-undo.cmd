# A parameter change re-runs the stale stages and prints before -> after;
# undo/redo restore the numbers exactly.
load samples/teach.tsv --items samples/teach-items.csv
set abstract.threshold 0.1
format json; run; format table
set abstract.threshold 0.1
set abstract.threshold 0.05
undo
get abstract.threshold
redo
get abstract.threshold
undo; undo; undo
redo
# -0 is 0: no change
set distill.beta -0

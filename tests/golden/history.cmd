# history: every configuration evaluated (commands, sweep and tune
# points), each once, with metrics; --apply makes one current (undoable)
load samples/teach.tsv --items samples/teach-items.csv
history
format json; run; format table
set abstract.topk 3
sweep distill.beta 0 0.4 0.2
history
history --apply 1
history
undo
get abstract.topk
history --apply 99
history extra

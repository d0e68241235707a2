# pin keeps a configuration; diff shows two side by side with metrics
load samples/teach.tsv --items samples/teach-items.csv
diff
pin
set abstract.topk 3
set distill.beta 0.5
diff
save golden-pin.distill
set abstract.topk 5
diff golden-pin.distill current
diff pinned pinned
pin --clear
diff
diff nowhere.distill

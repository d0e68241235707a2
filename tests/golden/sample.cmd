# The bundled sample, stage by stage: step prints each stage's statistics
# (the abstract stage names its communities by their most central titles).
load samples/sample.csv --items samples/sample-items.csv
step
step
step
step
step
step
rec 1000 5
why 1000 1562
sweep distill.beta 0 0.4 0.2

#! --json-lines -k -f FILE
# --json-lines is --format json (JSON Lines); parameter values are typed:
# numbers as numbers, choices, "given" and lists as strings
get rec.n
get abstract.threshold
get split.validation
get eval.k
get abstract.metric
set split.validation given
set eval.k 5,10
# every command is one document, those a table keeps quiet too
step
pin
pin --clear

echo a calibrated list is not in score order: by_score says where each item stood
load samples/sample.csv
set distill.calibrate 0.5
rec 1000 6

# samples/teach-md.distill, whose output is every number of samples/teach.md
source samples/teach-md.distill

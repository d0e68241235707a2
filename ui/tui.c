/* STUB */
#include <stdio.h>
#include "tui.h"
int tui_run(struct session *s) { fprintf(stderr, "distill: TUI not implemented yet\n"); return 1; }
